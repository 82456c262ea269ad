#!/usr/bin/env node
// The naive baseline `npm run bench` measures the synth against: the providers our stacks use, imported from
// their package roots (which loads every resource binding of each), one provider block each in one stack,
// synthesized. Any cdktf program using these providers the documented way pays at least this much.
"use strict";
const { App, TerraformStack } = require("cdktf");
const aws = require("@cdktf/provider-aws");
const consul = require("@cdktf/provider-consul");
const docker = require("@cdktf/provider-docker");
const helm = require("@cdktf/provider-helm");
const http = require("@cdktf/provider-http");
const kubernetes = require("@cdktf/provider-kubernetes");
const nomad = require("@cdktf/provider-nomad");
const random = require("@cdktf/provider-random");
const tls = require("@cdktf/provider-tls");

const app = new App({ outdir: process.env.CDKTF_OUTDIR ?? "cdktf.out", stackTraces: false });
const stack = new TerraformStack(app, "naive-baseline");
new aws.provider.AwsProvider(stack, "aws", { region: "eu-central-1" });
new consul.provider.ConsulProvider(stack, "consul", {});
new docker.provider.DockerProvider(stack, "docker", {});
new helm.provider.HelmProvider(stack, "helm", {});
new http.provider.HttpProvider(stack, "http", {});
new kubernetes.provider.KubernetesProvider(stack, "kubernetes", {});
new nomad.provider.NomadProvider(stack, "nomad", { address: "http://127.0.0.1:4646" });
new random.provider.RandomProvider(stack, "random", {});
new tls.provider.TlsProvider(stack, "tls", {});
app.synth();

import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EksAccessEntry } from "@cdktf/provider-aws/lib/eks-access-entry";
import { EksAccessPolicyAssociation } from "@cdktf/provider-aws/lib/eks-access-policy-association";
import { EksAddon } from "@cdktf/provider-aws/lib/eks-addon";
import { EksCluster } from "@cdktf/provider-aws/lib/eks-cluster";
import { EksNodeGroup } from "@cdktf/provider-aws/lib/eks-node-group";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { Construct, Fn, TerraformLocal, Token } from "../cdktf";
import type { EksTarget } from "./target";
import { AwsAccount } from "../aws/account";
import { actingFor, assumeRolePolicy } from "../aws/iam";
import { EncryptionKey, logEncryptionKey } from "../aws/kms-key";
import type { AwsNetwork } from "../aws/network";
import { EKS_ADDON_VERSIONS } from "./versions";

/** Control-plane log types sent to CloudWatch (CKV_AWS_37 asks for these at least). */
export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

export interface EksClusterProps {
  readonly target: EksTarget;
  readonly network: AwsNetwork;
}

/**
 * An EKS control plane and its managed nodes, with terraform-aws-modules' production defaults: private API
 * endpoint (public only for listed ranges), Secrets envelope-encrypted with a rotating KMS key, control-plane
 * logs with retention, access entries instead of the aws-auth ConfigMap, an OIDC provider for IAM roles of
 * service accounts, Amazon Linux 2023 nodes in private subnets with IMDSv2 only (hop limit 1: pods cannot
 * borrow the node's role), and the core add-ons at pinned versions.
 */
export class ArgoEksCluster extends Construct {
  readonly cluster: EksCluster;
  readonly oidcProvider: IamOpenidConnectProvider;
  readonly nodeGroup: EksNodeGroup;
  /** Issuer host and path (without https://), as IAM trust policies name it. */
  readonly oidcIssuer: string;
  readonly name: string;
  /** The key of the control-plane log group, which CloudWatch Logs may use for any of this account's groups. */
  readonly logKey: EncryptionKey;

  constructor(scope: Construct, id: string, props: EksClusterProps) {
    super(scope, id);
    const { target, network } = props;
    const name = target.clusterName;
    this.name = name;
    const account = AwsAccount.of(this);
    const managedPolicy = (policy: string) => `arn:${account.partition}:iam::aws:policy/${policy}`;

    const clusterRole = new IamRole(this, "cluster-role", {
      name: `${name}-eks-cluster`,
      // EKS accepts aws:SourceAccount and aws:SourceArn in the cluster role's trust policy (EKS user guide,
      // cross-service confused deputy prevention).
      assumeRolePolicy: assumeRolePolicy(
        { Service: "eks.amazonaws.com" },
        {
          action: ["sts:AssumeRole", "sts:TagSession"],
          condition: actingFor(
            account.accountId,
            `arn:${account.partition}:eks:${account.region}:${account.accountId}:cluster/${name}`,
          ),
        },
      ),
    });
    const clusterPolicy = new IamRolePolicyAttachment(this, "cluster-role-policy", {
      role: clusterRole.name,
      policyArn: managedPolicy("AmazonEKSClusterPolicy"),
    });

    const secretsKey = new EncryptionKey(this, "secrets-key", {
      alias: `${name}-eks-secrets`,
      description: `Envelope encryption of Kubernetes Secrets in ${name}`,
    });
    const logKey = (this.logKey = logEncryptionKey(this, "log-key", {
      alias: `${name}-eks-logs`,
      description: `Encrypts the control-plane logs of ${name}`,
    }));
    // Created before the cluster, so EKS does not create it without retention or encryption.
    const logGroup = new CloudwatchLogGroup(this, "control-plane-logs", {
      name: `/aws/eks/${name}/cluster`,
      retentionInDays: target.logRetentionDays,
      kmsKeyId: logKey.arn,
    });

    this.cluster = new EksCluster(this, "cluster", {
      name,
      version: target.kubernetesVersion,
      roleArn: clusterRole.arn,
      vpcConfig: {
        subnetIds: network.privateSubnetIds,
        endpointPrivateAccess: true,
        endpointPublicAccess: target.publicEndpointCidrs.length > 0,
        publicAccessCidrs: target.publicEndpointCidrs.length > 0 ? [...target.publicEndpointCidrs] : undefined,
      },
      encryptionConfig: { resources: ["secrets"], provider: { keyArn: secretsKey.arn } },
      enabledClusterLogTypes: CONTROL_PLANE_LOG_TYPES,
      accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
      // Add-ons below are managed at pinned versions; EKS's unmanaged defaults would drift from them.
      bootstrapSelfManagedAddons: false,
      upgradePolicy: { supportType: "STANDARD" },
      dependsOn: [clusterPolicy, logGroup],
    });

    target.clusterAdminArns.forEach((principalArn, i) => {
      const entry = new EksAccessEntry(this, `admin-${i}`, {
        clusterName: this.cluster.name,
        principalArn,
        type: "STANDARD",
      });
      new EksAccessPolicyAssociation(this, `admin-${i}-policy`, {
        clusterName: this.cluster.name,
        principalArn: entry.principalArn,
        policyArn: `arn:${account.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy`,
        accessScope: { type: "cluster" },
      });
    });

    const issuerUrl = this.cluster.identity.get(0).oidc.get(0).issuer;
    this.oidcProvider = new IamOpenidConnectProvider(this, "oidc-provider", {
      url: issuerUrl,
      clientIdList: ["sts.amazonaws.com"],
    });
    // A local keeps the expression (and its quotes) out of the IAM policy JSON that names the issuer.
    this.oidcIssuer = new TerraformLocal(this, "oidc-issuer-host", Fn.replace(issuerUrl, "https://", "")).asString;

    // EC2 documents no source condition for instance roles: the node role's trust names the service only.
    const nodeRole = new IamRole(this, "node-role", {
      name: `${name}-eks-node`,
      assumeRolePolicy: assumeRolePolicy({ Service: "ec2.amazonaws.com" }),
    });
    // Images are pulled with the node's IAM role (ECR read-only), never with registry secrets.
    const nodePolicies = [
      "AmazonEKSWorkerNodePolicy",
      "AmazonEC2ContainerRegistryReadOnly",
      "AmazonSSMManagedInstanceCore",
    ].map(
      (policy) =>
        new IamRolePolicyAttachment(this, `node-role-${policy}`, {
          role: nodeRole.name,
          policyArn: managedPolicy(policy),
        }),
    );
    const nodeKey = new EncryptionKey(this, "node-volume-key", {
      alias: `${name}-eks-node-volumes`,
      description: `Encrypts the root volumes of ${name}'s nodes`,
    });
    const launchTemplate = new LaunchTemplate(this, "node-launch-template", {
      name: `${name}-nodes`,
      description: `Nodes of ${name}: IMDSv2 only, encrypted gp3 root volume`,
      updateDefaultVersion: true,
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
        instanceMetadataTags: "disabled",
      },
      blockDeviceMappings: [
        {
          deviceName: "/dev/xvda",
          ebs: {
            volumeSize: target.nodeGroup.diskGiB,
            volumeType: "gp3",
            encrypted: "true",
            kmsKeyId: nodeKey.arn,
            deleteOnTermination: "true",
          },
        },
      ],
      monitoring: { enabled: true },
      tagSpecifications: [{ resourceType: "instance", tags: { Name: `${name}-node` } }],
    });
    const versions = EKS_ADDON_VERSIONS[target.kubernetesVersion];
    const addon = (
      addonName: string,
      extra: { configurationValues?: string; serviceAccountRoleArn?: string; afterNodes?: boolean } = {},
    ) =>
      new EksAddon(this, `addon-${addonName}`, {
        clusterName: this.cluster.name,
        addonName,
        addonVersion: versions[addonName as keyof typeof versions],
        configurationValues: extra.configurationValues,
        serviceAccountRoleArn: extra.serviceAccountRoleArn,
        resolveConflictsOnCreate: "OVERWRITE",
        resolveConflictsOnUpdate: "OVERWRITE",
        // CoreDNS and the CSI controller are Deployments: they need nodes to become ready.
        dependsOn: extra.afterNodes ? [this.nodeGroup] : [this.cluster],
      });
    // The VPC CNI must exist before nodes join (pods get no addresses without it); it also enforces
    // NetworkPolicies once its network policy agent is on.
    const cni = addon("vpc-cni", { configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }) });
    const proxy = addon("kube-proxy");
    const group = target.nodeGroup;
    this.nodeGroup = new EksNodeGroup(this, "nodes", {
      clusterName: this.cluster.name,
      nodeGroupName: `${name}-default`,
      nodeRoleArn: nodeRole.arn,
      subnetIds: network.privateSubnetIds,
      amiType: "AL2023_x86_64_STANDARD",
      capacityType: "ON_DEMAND",
      instanceTypes: [...group.instanceTypes],
      scalingConfig: { minSize: group.minSize, maxSize: group.maxSize, desiredSize: group.desiredSize },
      updateConfig: { maxUnavailable: 1 },
      launchTemplate: { id: launchTemplate.id, version: Token.asString(launchTemplate.latestVersion) },
      labels: { "argo/node-role": "workload" },
      // The cluster autoscaler (or a person) changes the size; Terraform keeps the bounds.
      lifecycle: { ignoreChanges: ["scaling_config[0].desired_size"] },
      dependsOn: [...nodePolicies, cni, proxy],
    });

    addon("coredns", { afterNodes: true });
    addon("metrics-server", { afterNodes: true });
    const ebsRole = this.serviceAccountRole(
      "ebs-csi",
      "kube-system",
      "ebs-csi-controller-sa",
      `${name}-ebs-csi-driver`,
    );
    new IamRolePolicyAttachment(this, "ebs-csi-policy", {
      role: ebsRole.name,
      policyArn: managedPolicy("service-role/AmazonEBSCSIDriverPolicy"),
    });
    addon("aws-ebs-csi-driver", { serviceAccountRoleArn: ebsRole.arn, afterNodes: true });
  }

  /** An IAM role only the named Kubernetes service account can assume, through the cluster's OIDC provider. */
  serviceAccountRole(id: string, namespace: string, serviceAccount: string, roleName: string): IamRole {
    return new IamRole(this, `${id}-role`, {
      name: roleName,
      assumeRolePolicy: assumeRolePolicy(
        { Federated: this.oidcProvider.arn },
        {
          action: "sts:AssumeRoleWithWebIdentity",
          condition: {
            StringEquals: {
              [`${this.oidcIssuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
              [`${this.oidcIssuer}:aud`]: "sts.amazonaws.com",
            },
          },
        },
      ),
    });
  }
}

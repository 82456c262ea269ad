module argo-infra/e2e/connect-proxy

go 1.22

// Package deploy holds no code: it is the home of the container image
// (../Dockerfile), the Kubernetes manifests (kubernetes/) and the systemd
// unit (systemd/), and of the tests that hold them to what the README
// promises. The Dockerfile's go build line is run as written and must
// yield a static binary; every manifest is decoded and checked (three
// replicas, probes on the admin port, non-root, read-only root file
// system, a disruption budget); the ConfigMap's rampart.yaml must pass the
// same load and check as `rampart check`.
package deploy

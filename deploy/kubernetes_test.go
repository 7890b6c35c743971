package deploy_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/rampart-api/rampart/config"
	"github.com/rampart-api/rampart/gateway"
)

// object is one decoded Kubernetes document.
type object map[string]any

// get follows a path of map keys and list indexes.
func (o object) get(path ...any) any {
	var cur any = map[string]any(o)
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := cur.(map[string]any)
			if !ok {
				return nil
			}
			cur = m[k]
		case int:
			l, ok := cur.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			cur = l[k]
		}
	}
	return cur
}

func (o object) id() string { return fmt.Sprintf("%v/%v", o["kind"], o.get("metadata", "name")) }

// manifests decodes every YAML document under kubernetes/.
func manifests(t *testing.T) map[string]object {
	t.Helper()
	files, err := filepath.Glob("kubernetes/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests: %v", err)
	}
	all := map[string]object{}
	var kust object
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(raw))
		for {
			// Into a plain map, so that nested maps are plain maps too.
			var m map[string]any
			err := dec.Decode(&m)
			o := object(m)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if o == nil {
				continue
			}
			if o["kind"] == "Kustomization" {
				kust = o
				continue
			}
			if o["apiVersion"] == nil || o["kind"] == nil || o.get("metadata", "name") == nil {
				t.Errorf("%s: a document without apiVersion, kind or metadata.name", f)
				continue
			}
			all[o.id()] = o
		}
	}
	// kubectl apply -k applies what the kustomization lists: every
	// other file.
	listed := map[string]bool{}
	if res, ok := kust.get("resources").([]any); ok {
		for _, r := range res {
			listed[fmt.Sprint(r)] = true
		}
	}
	for _, f := range files {
		if b := filepath.Base(f); b != "kustomization.yaml" && !listed[b] {
			t.Errorf("kustomization.yaml does not list %s", b)
		}
	}
	return all
}

func need(t *testing.T, all map[string]object, id string) object {
	t.Helper()
	o, ok := all[id]
	if !ok {
		t.Fatalf("no %s in deploy/kubernetes", id)
	}
	return o
}

func TestKubernetesManifests(t *testing.T) {
	all := manifests(t)
	dep := need(t, all, "Deployment/rampart")
	if r := dep.get("spec", "replicas"); r != 3 {
		t.Errorf("replicas %v, want 3", r)
	}
	pod := object(dep.get("spec", "template", "spec").(map[string]any))
	if pod.get("securityContext", "runAsNonRoot") != true {
		t.Error("pod securityContext.runAsNonRoot is not true")
	}
	if uid, _ := pod.get("securityContext", "runAsUser").(int); uid == 0 {
		t.Error("pod runs as uid 0")
	}
	if pod.get("automountServiceAccountToken") != false {
		t.Error("the service account token is mounted; the gateway does not call the API server")
	}
	c := object(pod.get("containers", 0).(map[string]any))
	ports := map[string]int{}
	for _, p := range c.get("ports").([]any) {
		pm := p.(map[string]any)
		ports[pm["name"].(string)] = pm["containerPort"].(int)
	}
	if ports["admin"] != 9901 || ports["http"] != 8080 {
		t.Errorf("container ports %v, want http 8080 and admin 9901", ports)
	}
	for probe, path := range map[string]string{"readinessProbe": "/readyz", "livenessProbe": "/healthz"} {
		if got := c.get(probe, "httpGet", "path"); got != path {
			t.Errorf("%s path %v, want %s", probe, got, path)
		}
		if got := c.get(probe, "httpGet", "port"); got != "admin" && got != 9901 {
			t.Errorf("%s port %v, want the admin port", probe, got)
		}
	}
	sc := object(c.get("securityContext").(map[string]any))
	if sc.get("readOnlyRootFilesystem") != true || sc.get("allowPrivilegeEscalation") != false || sc.get("runAsNonRoot") != true {
		t.Errorf("container securityContext %v", sc)
	}
	if drop, _ := sc.get("capabilities", "drop").([]any); len(drop) != 1 || drop[0] != "ALL" {
		t.Errorf("capabilities.drop %v, want [ALL]", drop)
	}
	for _, r := range []string{"requests", "limits"} {
		if c.get("resources", r, "cpu") == nil || c.get("resources", r, "memory") == nil {
			t.Errorf("resources.%s lacks cpu or memory", r)
		}
	}

	// Secrets come from the Secret, as files; none is written in a
	// manifest.
	secretKeys := map[string]bool{}
	for _, v := range pod.get("volumes").([]any) {
		vm := object(v.(map[string]any))
		if vm.get("secret", "secretName") == "rampart-secrets" {
			for _, it := range vm.get("secret", "items").([]any) {
				secretKeys[it.(map[string]any)["key"].(string)] = true
			}
		}
	}
	for _, k := range []string{"jwt-secret", "admin-token", "redis-password"} {
		if !secretKeys[k] {
			t.Errorf("the rampart-secrets volume lacks %s", k)
		}
	}
	for id, o := range all {
		if o["kind"] == "Secret" {
			t.Errorf("%s: a Secret with its values is committed; create it with kubectl", id)
		}
	}

	pdb := need(t, all, "PodDisruptionBudget/rampart")
	if pdb.get("spec", "minAvailable") != 2 {
		t.Errorf("PDB minAvailable %v, want 2", pdb.get("spec", "minAvailable"))
	}
	if !reflect.DeepEqual(pdb.get("spec", "selector", "matchLabels"), dep.get("spec", "selector", "matchLabels")) {
		t.Error("the PDB does not select the Deployment's pods")
	}
	svc := need(t, all, "Service/rampart")
	for _, p := range svc.get("spec", "ports").([]any) {
		if tp := p.(map[string]any)["targetPort"]; tp == "admin" || tp == 9901 {
			t.Error("the Service publishes the admin port")
		}
	}
	redis := need(t, all, "StatefulSet/rampart-redis")
	need(t, all, "Service/rampart-redis")
	rc := object(redis.get("spec", "template", "spec", "containers", 0).(map[string]any))
	if rc.get("securityContext", "readOnlyRootFilesystem") != true || redis.get("spec", "template", "spec", "securityContext", "runAsNonRoot") != true {
		t.Error("Redis runs as root or with a writable root file system")
	}
	args := fmt.Sprint(rc.get("args"))
	if !strings.Contains(args, "--requirepass $(REDIS_PASSWORD)") {
		t.Errorf("Redis args %s: want --requirepass from the Secret", args)
	}
}

// TestKubernetesConfigMapChecks runs the ConfigMap's rampart.yaml through
// config loading and the gateway's check, as `rampart check` does, with
// the Secret's files supplied.
func TestKubernetesConfigMapChecks(t *testing.T) {
	all := manifests(t)
	cm := need(t, all, "ConfigMap/rampart-config")
	text, _ := cm.get("data", "rampart.yaml").(string)
	if text == "" {
		t.Fatal("the ConfigMap has no rampart.yaml")
	}
	if !strings.HasPrefix(text, "# yaml-language-server: $schema=") {
		t.Error("rampart.yaml does not name its JSON Schema for editors")
	}
	data := []byte(text)
	secrets := map[string]string{
		"/etc/rampart/secrets/jwt-secret":     strings.Repeat("k", 48),
		"/etc/rampart/secrets/admin-token":    strings.Repeat("a", 64),
		"/etc/rampart/secrets/redis-password": strings.Repeat("r", 64),
	}
	cfg, diags := config.Parse(data, "configmap/rampart.yaml", config.Options{
		LookupEnv: func(string) (string, bool) { return "", false },
		ReadFile: func(p string) ([]byte, error) {
			if v, ok := secrets[p]; ok {
				return []byte(v), nil
			}
			return nil, fmt.Errorf("%s: %w", p, os.ErrNotExist)
		},
	})
	if diags.HasErrors() {
		t.Fatalf("rampart check would refuse the ConfigMap:\n%s", diags)
	}
	for _, w := range diags.Warnings() {
		t.Logf("%s", w)
	}
	if _, err := gateway.Lint(cfg); err != nil {
		t.Fatalf("the ConfigMap does not compile: %v", err)
	}
	if cfg.RateLimits.Store != config.StoreRedis {
		t.Error("three replicas without store: redis each count alone")
	}
	for _, s := range secrets {
		if strings.Contains(text, s) {
			t.Error("a secret value is written in the ConfigMap")
		}
	}
}

// TestKubernetesPathsAgree checks that what the ConfigMap's rampart.yaml
// reads is where the Deployment mounts it: the config file the container
// is told to load, and every ${file:...} secret, which must be a key of
// the mounted Secret.
func TestKubernetesPathsAgree(t *testing.T) {
	all := manifests(t)
	dep := need(t, all, "Deployment/rampart")
	pod := object(dep.get("spec", "template", "spec").(map[string]any))
	c := object(pod.get("containers", 0).(map[string]any))
	mounts := map[string]string{} // mountPath → volume
	for _, m := range c.get("volumeMounts").([]any) {
		mm := m.(map[string]any)
		mounts[mm["mountPath"].(string)] = mm["name"].(string)
	}
	args := fmt.Sprint(c.get("args"))
	if !strings.Contains(args, "--config /etc/rampart/rampart.yaml") || mounts["/etc/rampart/rampart.yaml"] != "config" {
		t.Errorf("the container loads %s but the ConfigMap is mounted at %v", args, mounts)
	}
	items := map[string]bool{}
	var secretVolume string
	for _, v := range pod.get("volumes").([]any) {
		vm := object(v.(map[string]any))
		if vm.get("secret", "secretName") == "rampart-secrets" {
			secretVolume = vm.get("name").(string)
			for _, it := range vm.get("secret", "items").([]any) {
				items[it.(map[string]any)["path"].(string)] = true
			}
		}
	}
	text := need(t, all, "ConfigMap/rampart-config").get("data", "rampart.yaml").(string)
	refs := regexp.MustCompile(`\$\{file:([^}]*)\}`).FindAllStringSubmatch(text, -1)
	if len(refs) == 0 {
		t.Fatal("the ConfigMap reads no secret file")
	}
	for _, ref := range refs {
		dir, name := filepath.Dir(ref[1]), filepath.Base(ref[1])
		if mounts[dir] != secretVolume || !items[name] {
			t.Errorf("%s: not a file of the mounted Secret (%s at %v, items %v)", ref[1], secretVolume, mounts, items)
		}
	}
}

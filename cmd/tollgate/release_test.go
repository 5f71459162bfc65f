package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// goreleaserConfig is the part of .goreleaser.yaml this test checks.
type goreleaserConfig struct {
	Version int `yaml:"version"`
	Builds  []struct {
		ID      string   `yaml:"id"`
		Main    string   `yaml:"main"`
		Binary  string   `yaml:"binary"`
		Env     []string `yaml:"env"`
		GOOS    []string `yaml:"goos"`
		GOARCH  []string `yaml:"goarch"`
		Ldflags []string `yaml:"ldflags"`
	} `yaml:"builds"`
	Archives []struct {
		IDs             []string `yaml:"ids"`
		Formats         []string `yaml:"formats"`
		FormatOverrides []struct {
			GOOS    string   `yaml:"goos"`
			Formats []string `yaml:"formats"`
		} `yaml:"format_overrides"`
		Files []string `yaml:"files"`
	} `yaml:"archives"`
	Checksum struct {
		NameTemplate string `yaml:"name_template"`
	} `yaml:"checksum"`
}

// TestReleaseConfig stands in for `goreleaser check` without installing
// GoReleaser: .goreleaser.yaml parses, its builds name a main package that
// compiles for every GOOS they list (on GOARCHes Go supports), its ldflags
// set the variable `tollgate version` prints, and it makes archives (zip on
// Windows) with checksums.
func TestReleaseConfig(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(root, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cfg goreleaserConfig
	dec := yaml.NewDecoder(f)
	if err := dec.Decode(&cfg); err != nil {
		t.Fatalf(".goreleaser.yaml: %v", err)
	}
	if cfg.Version != 2 {
		t.Errorf("version %d, want 2 (GoReleaser v2's format)", cfg.Version)
	}
	if len(cfg.Builds) == 0 {
		t.Fatal("no builds")
	}
	for _, b := range cfg.Builds {
		for _, want := range []string{"linux", "darwin", "windows"} {
			if !slices.Contains(b.GOOS, want) {
				t.Errorf("build %s: goos %v lacks %s", b.ID, b.GOOS, want)
			}
		}
		for _, want := range []string{"amd64", "arm64"} {
			if !slices.Contains(b.GOARCH, want) {
				t.Errorf("build %s: goarch %v lacks %s", b.ID, b.GOARCH, want)
			}
		}
		if !slices.Contains(b.Env, "CGO_ENABLED=0") {
			t.Errorf("build %s: env %v, want CGO_ENABLED=0 so cross builds need no C toolchain", b.ID, b.Env)
		}
		if !strings.Contains(strings.Join(b.Ldflags, " "), "-X main.version=") {
			t.Errorf("build %s: ldflags %v do not set main.version", b.ID, b.Ldflags)
		}
		main := filepath.Join(root, filepath.FromSlash(b.Main))
		if fi, err := os.Stat(main); err != nil || !fi.IsDir() {
			t.Errorf("build %s: main %q is not a directory: %v", b.ID, b.Main, err)
			continue
		}
		ports := goPorts(t)
		for _, goos := range b.GOOS {
			for _, goarch := range b.GOARCH {
				if !ports[goos+"/"+goarch] {
					t.Errorf("build %s: %s/%s is not a port of this Go (go tool dist list)", b.ID, goos, goarch)
				}
			}
			// Compile (type-check and build, without linking or the test
			// files) the main package and its imports for this GOOS. One
			// GOARCH is enough: no file here depends on the architecture,
			// and a cold build per pair would cost CI minutes.
			cmd := exec.Command("go", "list", "-export", "-f", "{{.Export}}", "./"+filepath.ToSlash(filepath.Clean(b.Main)))
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH=amd64", "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("GOOS=%s: %s does not build: %v\n%s", goos, b.Main, err, out)
			}
		}
	}
	// The ldflags' variable is the one `tollgate version` prints.
	bin := filepath.Join(t.TempDir(), "tollgate")
	build := exec.Command("go", "build", "-ldflags", "-X main.version=v9.9.9-release-test", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "version").CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "tollgate v9.9.9-release-test" {
		t.Errorf("tollgate version built with -X main.version: %q, %v", out, err)
	}

	if len(cfg.Archives) == 0 {
		t.Fatal("no archives")
	}
	for _, a := range cfg.Archives {
		zip := false
		for _, o := range a.FormatOverrides {
			zip = zip || (o.GOOS == "windows" && slices.Contains(o.Formats, "zip"))
		}
		if !slices.Contains(a.Formats, "tar.gz") || !zip {
			t.Errorf("archive %v: formats %v, windows zip %v; want tar.gz, and zip on Windows", a.IDs, a.Formats, zip)
		}
		for _, pattern := range a.Files {
			if m, _ := filepath.Glob(filepath.Join(root, pattern)); len(m) == 0 {
				t.Errorf("archive %v: files %q match nothing", a.IDs, pattern)
			}
		}
	}
	if cfg.Checksum.NameTemplate == "" {
		t.Error("no checksum file")
	}
}

// goPorts is the set of GOOS/GOARCH pairs this Go toolchain builds for.
func goPorts(t *testing.T) map[string]bool {
	t.Helper()
	out, err := exec.Command("go", "tool", "dist", "list").Output()
	if err != nil {
		t.Fatalf("go tool dist list: %v", err)
	}
	ports := map[string]bool{}
	for _, p := range strings.Fields(string(out)) {
		ports[p] = true
	}
	return ports
}

package main

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// mdLink matches a Markdown link or image target: ](target) or
// ](target "title").
var mdLink = regexp.MustCompile(`\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)

// TestDocLinks checks that every relative link in README.md and docs/*.md
// names a file or folder that exists, so moving a section never leaves a
// reader at a dead end. Links to other sites and to anchors are not checked.
func TestDocLinks(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	files = append([]string{filepath.Join(root, "README.md")}, files...)
	checked := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, f)
		for i, line := range strings.Split(string(b), "\n") {
			for _, m := range mdLink.FindAllStringSubmatch(line, -1) {
				target := m[1]
				if u, err := url.Parse(target); err != nil || u.Scheme != "" || strings.HasPrefix(target, "#") || strings.HasPrefix(target, "/") {
					continue // another site, an anchor, or a path on the server (/v1/…)
				}
				path, _, _ := strings.Cut(target, "#")
				path, err := url.PathUnescape(path)
				if err != nil {
					t.Errorf("%s:%d: link %q: %v", rel, i+1, target, err)
					continue
				}
				checked++
				if _, err := os.Stat(filepath.Join(filepath.Dir(f), filepath.FromSlash(path))); err != nil {
					t.Errorf("%s:%d: link %q points to nothing", rel, i+1, target)
				}
			}
		}
	}
	if checked == 0 {
		t.Error("no relative link found: is the pattern still right?")
	}
}

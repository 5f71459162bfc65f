// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/google/go-licenses/v2/licenses"
)

// SPDXLine is the line each of Tollgate's packages carries in one of its files.
const SPDXLine = "// SPDX-License-Identifier: Apache-2.0"

// Options says what Check looks at.
type Options struct {
	GOOS     []string // GOOS values to list packages for
	NPMLocks []string // npm package-lock.json files, relative to the root
}

// Entry is one licence file of one module and what it was classified as.
type Entry struct {
	Module   string
	Version  string
	Main     bool     // the module at the root (Tollgate itself)
	File     string   // relative to the module's directory; "" when none was found
	Looked   []string // when File is "": the files that were read and held no licence
	Licences []string // as classified; empty when none was recognised
	Packages []string // the packages it covers
}

// NPMPackage is one package of an npm lock file.
type NPMPackage struct {
	Lock    string // the lock file, relative to the root
	Name    string
	Version string
	License string
}

// Report is what Check found.
type Report struct {
	GOOS     []string
	Entries  []*Entry // sorted by module, then file
	NPM      []NPMPackage
	Problems []string // each one fails the check
}

// modInfo is the module a package is in, after any replacement.
type modInfo struct {
	path, version, dir string
	main               bool
}

type goModule struct {
	Path    string
	Version string
	Dir     string
	Main    bool
	Replace *goModule
}

type goPackage struct {
	ImportPath string
	Dir        string
	Standard   bool
	GoFiles    []string
	Module     *goModule
	Error      *struct{ Err string }
}

var (
	classifierOnce sync.Once
	classifier     licenses.Classifier
	classifierErr  error
)

// Check lists the packages of ./... under root for each GOOS in opt,
// classifies their licence files and judges them, Tollgate's own SPDX lines
// and NOTICE, and the npm lock files in opt.
func Check(root string, opt Options) (*Report, error) {
	if len(opt.GOOS) == 0 {
		return nil, errors.New("no GOOS given")
	}
	classifierOnce.Do(func() { classifier, classifierErr = licenses.NewClassifier() })
	if classifierErr != nil {
		return nil, classifierErr
	}
	rep := &Report{GOOS: opt.GOOS}

	// Every package, once, whichever GOOS listed it.
	pkgs := map[string]goPackage{}
	for _, goos := range opt.GOOS {
		list, err := goList(root, goos)
		if err != nil {
			return nil, err
		}
		for _, p := range list {
			pkgs[p.ImportPath] = p
		}
	}

	type key struct{ module, file string }
	entries := map[key]*Entry{}
	mods := map[string]modInfo{}
	var missingSPDX []string
	pkgCandidates := map[string][]string{}
	var allCandidates []string
	seen := map[string]bool{}
	for _, p := range pkgs {
		if p.Module == nil {
			return nil, fmt.Errorf("package %s is in no module", p.ImportPath)
		}
		m := modInfo{path: p.Module.Path, version: p.Module.Version, dir: p.Module.Dir, main: p.Module.Main}
		if r := p.Module.Replace; r != nil {
			m.dir = r.Dir
			m.version = r.Version
			if r.Version == "" {
				m.version = "=> " + r.Path
			}
		}
		if m.main {
			m.version = "(this module)"
			ok, err := hasSPDX(p.Dir, p.GoFiles)
			if err != nil {
				return nil, err
			}
			if !ok {
				missingSPDX = append(missingSPDX, p.ImportPath)
			}
		}
		mods[p.ImportPath] = m
		cands, err := licenses.FindCandidates(p.Dir, m.dir)
		if err != nil {
			return nil, err
		}
		pkgCandidates[p.ImportPath] = cands
		for _, c := range cands {
			if !seen[c] {
				seen[c] = true
				allCandidates = append(allCandidates, c)
			}
		}
	}

	found, err := classify(allCandidates)
	if err != nil {
		return nil, err
	}

	for path, m := range mods {
		file := ""
		for _, c := range pkgCandidates[path] {
			if len(found[c]) > 0 {
				file = c
				break
			}
		}
		k := key{m.path, file}
		e := entries[k]
		if e == nil {
			e = &Entry{Module: m.path, Version: m.version, Main: m.main}
			if file != "" {
				e.File, _ = filepath.Rel(m.dir, file)
				e.File = filepath.ToSlash(e.File)
				e.Licences = found[file]
			}
			if file == "" {
				for _, c := range pkgCandidates[path] {
					rel, _ := filepath.Rel(m.dir, c)
					e.Looked = append(e.Looked, filepath.ToSlash(rel))
				}
			}
			entries[k] = e
		}
		e.Packages = append(e.Packages, path)
	}
	for _, e := range entries {
		sort.Strings(e.Packages)
		rep.Entries = append(rep.Entries, e)
	}
	sort.Slice(rep.Entries, func(i, j int) bool {
		a, b := rep.Entries[i], rep.Entries[j]
		if a.Module != b.Module {
			return a.Module < b.Module
		}
		return a.File < b.File
	})

	for _, e := range rep.Entries {
		name := e.Module + " " + e.Version
		switch ok, why := verdict(e.Licences); {
		case e.File == "" && len(e.Looked) == 0:
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s: unknown: no licence file found for %s", name, strings.Join(e.Packages, ", ")))
		case e.File == "":
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s: unknown: no licence recognised in %s for %s", name, strings.Join(e.Looked, ", "), strings.Join(e.Packages, ", ")))
		case !ok:
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s: %s (%s)", name, why, e.File))
		case e.Main && strings.Join(e.Licences, ",") != "Apache-2.0":
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s: its own licence file %s should be Apache-2.0 alone, is %s", name, e.File, strings.Join(e.Licences, ", ")))
		}
	}
	sort.Strings(missingSPDX)
	for _, p := range missingSPDX {
		rep.Problems = append(rep.Problems, fmt.Sprintf("%s: no file has the line %q (add it at the top of the package's doc.go)", p, SPDXLine))
	}

	noticeProblems, err := checkNotices(root, mods)
	if err != nil {
		return nil, err
	}
	rep.Problems = append(rep.Problems, noticeProblems...)

	for _, lock := range opt.NPMLocks {
		pkgs, err := readNPMLock(root, lock)
		if err != nil {
			return nil, err
		}
		for _, p := range pkgs {
			if ok, why := npmVerdict(p.License); !ok {
				rep.Problems = append(rep.Problems, fmt.Sprintf("npm %s@%s (%s): %s", p.Name, p.Version, p.Lock, why))
			}
		}
		rep.NPM = append(rep.NPM, pkgs...)
	}
	return rep, nil
}

// goList lists the non-test packages of ./... and their dependencies.
func goList(root, goos string) ([]goPackage, error) {
	cmd := exec.Command("go", "list", "-deps", "-json", "./...")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS="+goos, "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("GOOS=%s go list -deps ./... in %s: %v\n%s", goos, root, err, stderr.Bytes())
	}
	var list []goPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p goPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		if p.Error != nil {
			return nil, fmt.Errorf("GOOS=%s: package %s: %s", goos, p.ImportPath, p.Error.Err)
		}
		if !p.Standard {
			list = append(list, p)
		}
	}
	return list, nil
}

// classify runs the classifier over each candidate file, two at a time.
func classify(files []string) (map[string][]string, error) {
	found := make(map[string][]string, len(files))
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for _, f := range files {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			ls, err := classifier.Identify(f)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = fmt.Errorf("classifying %s: %w", f, err)
				}
				return
			}
			var names []string
			for _, l := range ls {
				names = append(names, l.Name)
			}
			sort.Strings(names)
			found[f] = names
		}()
	}
	wg.Wait()
	return found, firstErr
}

// hasSPDX says whether one of the files has SPDXLine before its package clause.
func hasSPDX(dir string, files []string) (bool, error) {
	for _, name := range files {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return false, err
		}
		sc := bufio.NewScanner(f)
		found := false
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == SPDXLine {
				found = true
				break
			}
			if strings.HasPrefix(line, "package ") {
				break
			}
		}
		f.Close()
		if found {
			return true, nil
		}
	}
	return false, nil
}

var noticeFile = regexp.MustCompile(`(?i)^NOTICE(\.txt|\.md)?$`)

// checkNotices fails on a dependency module that ships a NOTICE file at its
// root and is not named in the NOTICE file at root.
func checkNotices(root string, mods map[string]modInfo) ([]string, error) {
	ours, err := os.ReadFile(filepath.Join(root, "NOTICE"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	byPath := map[string]modInfo{}
	for _, m := range mods {
		if !m.main {
			byPath[m.path] = m
		}
	}
	var paths []string
	for p := range byPath {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var problems []string
	for _, p := range paths {
		m := byPath[p]
		des, err := os.ReadDir(m.dir)
		if err != nil {
			return nil, err
		}
		for _, de := range des {
			if !de.IsDir() && noticeFile.MatchString(de.Name()) && !bytes.Contains(ours, []byte(p)) {
				problems = append(problems, fmt.Sprintf("%s %s ships %s: name the module in NOTICE with its attribution notices", p, m.version, de.Name()))
			}
		}
	}
	return problems, nil
}

// readNPMLock reads the packages of an npm lock file (lockfileVersion 2 or 3).
func readNPMLock(root, lock string) ([]NPMPackage, error) {
	b, err := os.ReadFile(filepath.Join(root, lock))
	if err != nil {
		return nil, err
	}
	var lf struct {
		Packages map[string]struct {
			Name    string
			Version string
			License json.RawMessage
			Link    bool
		}
	}
	if err := json.Unmarshal(b, &lf); err != nil {
		return nil, fmt.Errorf("%s: %w", lock, err)
	}
	if lf.Packages == nil {
		return nil, fmt.Errorf("%s: no \"packages\" (lockfileVersion 2 or later is needed)", lock)
	}
	var out []NPMPackage
	for path, p := range lf.Packages {
		if path == "" || p.Link {
			continue // the project itself, or a link to a folder of it
		}
		name := p.Name
		if name == "" {
			name = path[strings.LastIndex(path, "node_modules/")+len("node_modules/"):]
		}
		out = append(out, NPMPackage{Lock: lock, Name: name, Version: p.Version, License: npmLicense(p.License)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name+out[i].Version < out[j].Name+out[j].Version })
	return out, nil
}

// npmLicense reads a license field: a string, or the old {"type": …} object.
func npmLicense(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var o struct{ Type string }
	if json.Unmarshal(raw, &o) == nil {
		return o.Type
	}
	return ""
}

// Write prints the report: a table of Go modules, licence counts, the npm
// counts, then the problems.
func (r *Report) Write(w io.Writer) {
	fmt.Fprintf(w, "Go modules of the non-test packages of ./... (GOOS %s, CGO_ENABLED=0), licence files classified by google/licenseclassifier:\n\n", strings.Join(r.GOOS, ", "))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "MODULE\tVERSION\tLICENCE\tFILE")
	modLicences := map[string]map[string]bool{}
	for _, e := range r.Entries {
		lic, file := strings.Join(e.Licences, ", "), e.File
		if file == "" {
			lic, file = "UNKNOWN", "(none)"
		} else if lic == "" {
			lic = "UNKNOWN"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", e.Module, e.Version, lic, file)
		if e.Main {
			continue
		}
		if modLicences[e.Module] == nil {
			modLicences[e.Module] = map[string]bool{}
		}
		for _, l := range e.Licences {
			modLicences[e.Module][l] = true
		}
		if len(e.Licences) == 0 {
			modLicences[e.Module]["UNKNOWN"] = true
		}
	}
	tw.Flush()
	counts := map[string]int{}
	for _, ls := range modLicences {
		for l := range ls {
			counts[l]++
		}
	}
	fmt.Fprintf(w, "\n%d dependency modules: %s (a module with files under two licences counts under each)\n", len(modLicences), countLine(counts))

	if len(r.NPM) > 0 {
		npmCounts := map[string]int{}
		locks := map[string]bool{}
		for _, p := range r.NPM {
			l := p.License
			if l == "" {
				l = "UNKNOWN"
			}
			npmCounts[l]++
			locks[p.Lock] = true
		}
		var names []string
		for l := range locks {
			names = append(names, l)
		}
		sort.Strings(names)
		fmt.Fprintf(w, "\nnpm packages of %s (test-only, not distributed; their declared license field): %d: %s\n", strings.Join(names, ", "), len(r.NPM), countLine(npmCounts))
	}

	if len(r.Problems) == 0 {
		fmt.Fprintln(w, "\nlicences: all allowed")
		return
	}
	fmt.Fprintf(w, "\nlicences: %d problem(s):\n", len(r.Problems))
	for _, p := range r.Problems {
		fmt.Fprintln(w, "  "+p)
	}
}

func countLine(counts map[string]int) string {
	var names []string
	for l := range counts {
		names = append(names, l)
	}
	sort.Slice(names, func(i, j int) bool {
		if counts[names[i]] != counts[names[j]] {
			return counts[names[i]] > counts[names[j]]
		}
		return names[i] < names[j]
	})
	var parts []string
	for _, l := range names {
		parts = append(parts, fmt.Sprintf("%d %s", counts[l], l))
	}
	return strings.Join(parts, ", ")
}

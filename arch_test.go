package kori_test

import (
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// packages returns every package directory of the module with its parsed
// non-test files' imports and whether any file has a package doc comment.
func packages(t *testing.T) map[string]struct {
	imports []string
	doc     bool
} {
	t.Helper()
	out := map[string]struct {
		imports []string
		doc     bool
	}{}
	err := filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != "." || d.Name() == "testdata" || d.Name() == "kori-data") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		dir := filepath.Dir(path)
		p := out[dir]
		if f.Doc != nil && strings.TrimSpace(f.Doc.Text()) != "" {
			p.doc = true
		}
		for _, i := range f.Imports {
			p.imports = append(p.imports, strings.Trim(i.Path.Value, `"`))
		}
		out[dir] = p
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

const module = "github.com/kori-project/kori"

// TestArchitecture keeps the dependency rules honest: the domain imports only
// the standard library, and no adapter but the command wires in the store.
func TestArchitecture(t *testing.T) {
	pkgs := packages(t)
	if len(pkgs) < 5 {
		t.Fatalf("found only %d packages; is the walk broken?", len(pkgs))
	}
	for dir, p := range pkgs {
		for _, imp := range p.imports {
			switch {
			case dir == "." && strings.Contains(strings.SplitN(imp, "/", 2)[0], "."):
				t.Errorf("the domain package imports %s; it may use only the standard library", imp)
			case imp == module+"/internal/store" && !allowedStoreImporter(dir):
				t.Errorf("%s imports the store; depend on a small interface instead and let cmd/kori wire it", dir)
			case imp == module+"/internal/server" && filepath.ToSlash(dir) != "cmd/kori" && filepath.ToSlash(dir) != "internal/bench":
				t.Errorf("%s imports the HTTP adapter; adapters do not depend on each other", dir)
			case pure[filepath.ToSlash(dir)] && strings.HasPrefix(imp, module+"/internal/") && !pure[strings.TrimPrefix(imp, module+"/")]:
				t.Errorf("%s imports %s; the rules and computations depend only on the domain and each other", dir, imp)
			}
		}
	}
}

// pure are the packages of rules and computations: the domain's helpers,
// free of storage and HTTP, so that they can be read and tested alone.
var pure = map[string]bool{
	"internal/analysis": true, "internal/chart": true, "internal/password": true, "internal/privacy": true,
	"internal/offers": true, "internal/report": true, "internal/refdata": true, "internal/benefits": true,
}

func allowedStoreImporter(dir string) bool {
	switch filepath.ToSlash(dir) {
	case "cmd/kori", "internal/storetest", "internal/bench":
		return true
	}
	return false
}

// TestEveryPackageHasADocComment: a package says why it exists.
func TestEveryPackageHasADocComment(t *testing.T) {
	for dir, p := range packages(t) {
		if !p.doc {
			t.Errorf("package in %s has no doc comment", dir)
		}
	}
}

// TestNoTrackedBinaries fails when a build output (an ELF, Mach-O or PE
// executable) is committed: binaries belong in bin/, which .gitignore keeps out.
func TestNoTrackedBinaries(t *testing.T) {
	out, err := exec.Command("git", "ls-files", "-z").Output()
	if err != nil {
		t.Skipf("not a git checkout (%v)", err)
	}
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		f, err := os.Open(name)
		if err != nil {
			continue // deleted in the work tree
		}
		head := make([]byte, 4)
		n, _ := f.Read(head)
		f.Close()
		h := string(head[:n])
		if h == "\x7fELF" || h == "MZ\x90\x00" || h == "\xcf\xfa\xed\xfe" {
			t.Errorf("%s is a tracked binary: remove it and ignore it in .gitignore", name)
		}
	}
}

package main

import (
	"bufio"
	"os/exec"
	"strings"
	"testing"
)

// One dependency calling reflect.Type.Method switches off the linker's method dead-code
// elimination for the whole program: every exported method of every reachable type
// stays in the binary (excelize v2.9.1 and later did that through go-deepcopy, +36 MB).
// The linker marks such a caller <ReflectMethod>; none may be reachable from main.
func TestNoReflectMethodInTheBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	cmd := exec.Command("go", "build", "-tags", "nodemo", "-ldflags=-dumpdep", "-o", t.TempDir()+"/qingfeng", ".")
	out, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var culprits []string
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if line := sc.Text(); strings.Contains(line, "<ReflectMethod>") {
			culprits = append(culprits, line)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("go build: %v", err)
	}
	if len(culprits) > 0 {
		t.Errorf("these keep every exported method in the binary:\n%s", strings.Join(culprits, "\n"))
	}
}

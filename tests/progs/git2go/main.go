// git2go used correctly: several goroutines each create a repository,
// commit a file, look up a branch that does not exist (libgit2 keeps the
// error message in per-thread state of the thread Go ran the call on) and
// free every object. Nothing is lost; the error state stays reachable
// through the thread's TLS. With the argument "leak" (bench/truth), each
// goroutine's Repository and Index are never freed: their finalizers would
// free the C objects had a garbage collection run.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"

	git "github.com/libgit2/git2go/v34"
)

func work(dir string, leak bool) error {
	repo, err := git.InitRepository(dir, false)
	if err != nil {
		return err
	}
	if !leak {
		defer repo.Free()
	}
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("hello\n"), 0o644); err != nil {
		return err
	}
	idx, err := repo.Index()
	if err != nil {
		return err
	}
	if !leak {
		defer idx.Free()
	}
	if err := idx.AddByPath("a.txt"); err != nil {
		return err
	}
	treeID, err := idx.WriteTree()
	if err != nil {
		return err
	}
	tree, err := repo.LookupTree(treeID)
	if err != nil {
		return err
	}
	defer tree.Free()
	sig := &git.Signature{Name: "t", Email: "t@example.org"}
	if _, err := repo.CreateCommit("HEAD", sig, sig, "first", tree); err != nil {
		return err
	}
	if _, err := repo.LookupBranch("no-such-branch", git.BranchLocal); err == nil {
		return fmt.Errorf("a branch that does not exist was found")
	}
	return nil
}

func main() {
	base, err := os.MkdirTemp("", "git2go")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(base)
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs[i] = work(filepath.Join(base, fmt.Sprint(i)), len(os.Args) > 1 && os.Args[1] == "leak")
		}(i)
	}
	wg.Wait()
	for _, e := range errs {
		if e != nil {
			fmt.Println("error:", e)
			os.Exit(1)
		}
	}
	fmt.Println("repositories:", n)
}

package chaos

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// A drill's temporary directories (the built binary, the private cluster)
// name the process that made them in an "owner" file. A test binary that
// dies without cleaning up (a panic, go test's timeout) leaves them
// behind, and with the cluster a postmaster that outlives it; the next
// drill reaps those whose owner is gone.

const ownerFile = "owner"

// ownedTempDir makes a temporary directory named after prefix, owned by
// this process, after reaping the orphans of earlier runs with reap.
func ownedTempDir(prefix string, reap func(dir string)) (string, error) {
	reapOrphans(prefix, reap)
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", fmt.Errorf("temporary directory: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("temporary directory: %w", err)
	}
	return dir, nil
}

// reapOrphans hands reap each directory of prefix whose owner process is
// gone, then removes it. A directory with no owner file is being made now,
// or is not ours: it is left alone.
func reapOrphans(prefix string, reap func(dir string)) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), prefix+"*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || alive(pid) {
			continue
		}
		if reap != nil {
			reap(dir)
		}
		os.RemoveAll(dir)
	}
}

// alive reports whether a process pid exists (EPERM: it does, as another
// user's).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

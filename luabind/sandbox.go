package luabind

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// confine resolves p (relative to root) and makes sure that it, and every
// symbolic link on the way, stays inside root. The file itself need not
// exist yet; its folder must.
func confine(root, p string) (string, error) {
	r, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", fmt.Errorf("local root %s: %v", root, err)
	}
	r, _ = filepath.Abs(r)
	full := p
	if !filepath.IsAbs(full) {
		full = filepath.Join(r, p)
	}
	full = filepath.Clean(full)
	dir, base := filepath.Split(full)
	rdir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", fmt.Errorf("local path %s: %v", p, err)
	}
	resolved := filepath.Join(rdir, base)
	if fi, err := os.Lstat(resolved); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		if t, err := filepath.EvalSymlinks(resolved); err == nil {
			resolved = t
		} else {
			// a dangling link: where it would point
			target, _ := os.Readlink(resolved)
			if !filepath.IsAbs(target) {
				target = filepath.Join(rdir, target)
			}
			resolved = filepath.Clean(target)
		}
	}
	if resolved != r && !strings.HasPrefix(resolved, r+string(filepath.Separator)) {
		return "", fmt.Errorf("local path %s is outside the allowed folder", p)
	}
	return resolved, nil
}

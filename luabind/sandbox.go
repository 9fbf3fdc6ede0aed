package luabind

import (
	"fmt"

	"os"
	"path/filepath"
	"strings"

	lua "github.com/yuin/gopher-lua"
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
	if full != r && !strings.HasPrefix(full, r+string(filepath.Separator)) {
		return "", fmt.Errorf("local path %s is outside the allowed folder", p)
	}
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

// sandbox removes from L what reaches the machine beyond the module.
func sandbox(L *lua.LState) {
	L.SetGlobal("io", lua.LNil)
	for _, name := range []string{"loadfile", "dofile"} {
		L.SetGlobal(name, lua.LNil)
	}
	if os, ok := L.GetGlobal("os").(*lua.LTable); ok {
		for _, name := range []string{"execute", "exit", "remove", "rename", "tmpname", "getenv", "setenv", "setlocale"} {
			os.RawSetString(name, lua.LNil)
		}
	}
	if pkg, ok := L.GetGlobal("package").(*lua.LTable); ok {
		// require finds only preloaded modules: no Lua files from disk
		if loaders, ok := pkg.RawGetString("loaders").(*lua.LTable); ok {
			first := loaders.RawGetInt(1)
			for i := loaders.Len(); i >= 1; i-- {
				loaders.RawSetInt(i, lua.LNil)
			}
			loaders.RawSetInt(1, first)
		}
		pkg.RawSetString("path", lua.LString(""))
		pkg.RawSetString("cpath", lua.LString(""))
		pkg.RawSetString("loadlib", lua.LNil)
	}
}

package luabind

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/ftplua/ftplua/host"
	"github.com/ftplua/ftplua/parse"
	lua "github.com/yuin/gopher-lua"
)

// ftputil.localfs: the local file system, as far as scripts that mirror
// trees need it and Lua's io and os do not reach (gopher-lua has no
// directory listing or mkdir). The functions mirror the host's, so that a
// script treats both sides alike:
//
//	localfs.walk(top [, {topdown=true, onerror=fn, followlinks=false}])
//	localfs.listdir(path)           sorted names, no "." / ".."
//	localfs.stat(path) / lstat(path)  stat tables as host:stat gives
//	localfs.exists / isdir / isfile / islink (path)  booleans
//	localfs.getsize / getmtime (path)
//	localfs.makedirs(path [, {exist_ok=false}])
//	localfs.remove(path)            a file (or an empty folder)
//
// Failures raise FTPIOError objects (OSError for err:is) naming the path.
// With Config.LocalRoot, every path must lie inside that folder, as for
// upload and download. ("local" is a Lua keyword, hence "localfs".)

func registerLocal(L *lua.LState, mod *lua.LTable) {
	t := L.SetFuncs(L.NewTable(), map[string]lua.LGFunction{
		"walk":     localWalk,
		"listdir":  localListdir,
		"stat":     localStat("stat", true),
		"lstat":    localStat("lstat", false),
		"exists":   localQuery("exists", func(fi fs.FileInfo) bool { return true }, true),
		"isdir":    localQuery("isdir", fs.FileInfo.IsDir, true),
		"isfile":   localQuery("isfile", func(fi fs.FileInfo) bool { return fi.Mode().IsRegular() }, true),
		"islink":   localQuery("islink", func(fi fs.FileInfo) bool { return fi.Mode()&fs.ModeSymlink != 0 }, false),
		"getsize":  localGetsize,
		"getmtime": localGetmtime,
		"makedirs": localMakedirs,
		"remove":   localRemove,
	})
	L.SetField(mod, "localfs", t)
}

// localArg reads a local path argument and confines it (Config.LocalRoot).
func localArg(L *lua.LState, n int, fname string) (given, real string) {
	given = checkString(L, n, n, fname)
	if given == "" {
		argError(L, n, fname, "empty path")
	}
	if strings.ContainsRune(given, 0) {
		argError(L, n, fname, "path contains NUL")
	}
	return given, getState(L).localPath(L, given, n, fname)
}

// localErr is a failure of the local file system as an error object.
func localErr(err error, path string) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = &fs.PathError{Op: pe.Op, Path: path, Err: pe.Err}
	}
	return &host.Error{Class: host.FTPIOError, Message: "local file: " + err.Error(), Path: path, Err: err}
}

// localStatResult turns file info into the host's stat result. Portable
// fields only: mode, size, mtime, name and link target.
func localStatResult(name string, fi fs.FileInfo, target string) host.StatResult {
	m := fi.Mode()
	mode := uint32(m.Perm())
	switch {
	case m.IsDir():
		mode |= 0o040000
	case m&fs.ModeSymlink != 0:
		mode |= 0o120000
	case m.IsRegular():
		mode |= 0o100000
	case m&fs.ModeNamedPipe != 0:
		mode |= 0o010000
	case m&fs.ModeSocket != 0:
		mode |= 0o140000
	case m&fs.ModeCharDevice != 0:
		mode |= 0o020000
	case m&fs.ModeDevice != 0:
		mode |= 0o060000
	}
	if m&fs.ModeSetuid != 0 {
		mode |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		mode |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		mode |= 0o1000
	}
	st := host.StatResult{
		Mode:  mode,
		Size:  fi.Size(),
		Mtime: float64(fi.ModTime().UnixNano()) / 1e9,
		Name:  name,
		Valid: parse.HasMode | parse.HasSize | parse.HasMtime,
	}
	if target != "" {
		st.Target = target
		st.Valid |= parse.HasTarget
	}
	return st
}

func localStat(fname string, follow bool) lua.LGFunction {
	return func(L *lua.LState) int {
		given, real := localArg(L, 1, fname)
		var fi fs.FileInfo
		var err error
		if follow {
			fi, err = os.Stat(real)
		} else {
			fi, err = os.Lstat(real)
		}
		if err != nil {
			raise(L, localErr(err, given))
		}
		target := ""
		if fi.Mode()&fs.ModeSymlink != 0 {
			target, _ = os.Readlink(real)
		}
		L.Push(statTable(L, localStatResult(filepath.Base(given), fi, target)))
		return 1
	}
}

// localQuery makes exists, isdir, isfile, islink: false for a missing path,
// as os.path; other failures (a permission problem) raise.
func localQuery(fname string, test func(fs.FileInfo) bool, follow bool) lua.LGFunction {
	return func(L *lua.LState) int {
		given := checkString(L, 1, 1, fname)
		if given == "" {
			L.Push(lua.LFalse)
			return 1
		}
		real := getState(L).localPath(L, given, 1, fname)
		var fi fs.FileInfo
		var err error
		if follow {
			fi, err = os.Stat(real)
		} else {
			fi, err = os.Lstat(real)
		}
		if errors.Is(err, fs.ErrNotExist) || isNotDir(err) {
			L.Push(lua.LFalse)
			return 1
		}
		if err != nil {
			raise(L, localErr(err, given))
		}
		L.Push(lua.LBool(test(fi)))
		return 1
	}
}

// isNotDir: a path through a file ("a.txt/b") does not exist either.
func isNotDir(err error) bool {
	return errors.Is(err, syscall.ENOTDIR)
}

func localGetsize(L *lua.LState) int {
	given, real := localArg(L, 1, "getsize")
	fi, err := os.Stat(real)
	if err != nil {
		raise(L, localErr(err, given))
	}
	L.Push(lua.LNumber(fi.Size()))
	return 1
}

func localGetmtime(L *lua.LState) int {
	given, real := localArg(L, 1, "getmtime")
	fi, err := os.Stat(real)
	if err != nil {
		raise(L, localErr(err, given))
	}
	L.Push(lua.LNumber(float64(fi.ModTime().UnixNano()) / 1e9))
	return 1
}

// readNames lists a folder: sorted names, and which of them are folders
// (links to folders count as folders; links tells which are links).
func readNames(dir string) (names []string, isDir, isLink map[string]bool, err error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	isDir, isLink = map[string]bool{}, map[string]bool{}
	for _, e := range ents {
		name := e.Name()
		names = append(names, name)
		switch {
		case e.IsDir():
			isDir[name] = true
		case e.Type()&fs.ModeSymlink != 0:
			isLink[name] = true
			if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && fi.IsDir() {
				isDir[name] = true
			}
		}
	}
	sort.Strings(names)
	return names, isDir, isLink, nil
}

func localListdir(L *lua.LState) int {
	given, real := localArg(L, 1, "listdir")
	names, _, _, err := readNames(real)
	if err != nil {
		raise(L, localErr(err, given))
	}
	L.Push(stringList(L, names))
	return 1
}

func localMakedirs(L *lua.LState) int {
	given := checkString(L, 1, 1, "makedirs")
	if given == "" {
		argError(L, 1, "makedirs", "empty path")
	}
	existOK := false
	if L.Get(2) != lua.LNil {
		opts := checkTable(L, 2, 2, "makedirs")
		opts.ForEach(func(k, v lua.LValue) {
			switch key := lua.LVAsString(k); key {
			case "exist_ok":
				optField(L, 2, "makedirs", key, v, lua.LTBool)
				existOK = bool(v.(lua.LBool))
			default:
				argError(L, 2, "makedirs", "unknown option '"+key+"'")
			}
		})
	}
	st := getState(L)
	// each level is checked against LocalRoot once its parent exists
	// (confine needs the parent); without LocalRoot this is os.MkdirAll
	var levels []string
	for p := filepath.Clean(given); ; p = filepath.Dir(p) {
		levels = append(levels, p)
		if d := filepath.Dir(p); d == p || d == "." || st.cfg.LocalRoot == "" {
			break
		}
	}
	for i := len(levels) - 1; i >= 0; i-- {
		real := levels[i]
		if st.cfg.LocalRoot == "" {
			real = st.localPath(L, real, 1, "makedirs") // refuses in a sandbox
		} else if r, err := confine(st.cfg.LocalRoot, levels[i]); err != nil {
			msg := err.Error()
			if strings.HasSuffix(msg, "outside the allowed folder") {
				msg = "local path " + given + " is outside the allowed folder"
			}
			argError(L, 1, "makedirs", msg)
		} else {
			real = r
		}
		fi, err := os.Stat(real)
		switch {
		case err == nil && i == 0 && (!existOK || !fi.IsDir()):
			raise(L, localErr(&fs.PathError{Op: "mkdir", Path: given, Err: fs.ErrExist}, given))
		case err == nil && fi.IsDir():
			continue
		}
		if err := os.MkdirAll(real, 0o777); err != nil {
			raise(L, localErr(err, levels[i]))
		}
	}
	return 0
}

func localRemove(L *lua.LState) int {
	given, real := localArg(L, 1, "remove")
	if err := os.Remove(real); err != nil {
		raise(L, localErr(err, given))
	}
	return 0
}

// localfs.walk(top [, opts]): an iterator for a generic for, as host:walk:
// dirpath, dirnames, filenames, names sorted. Paths are joined onto top as
// given. Top-down, removing names from dirnames in the loop body prunes
// the walk (reordering them orders it; names that were not listed are
// ignored). Links to folders are listed in dirnames and entered only with
// followlinks. A folder that cannot be listed is passed to onerror, or
// skipped, as os.walk does.
func localWalk(L *lua.LState) int {
	top, realTop := localArg(L, 1, "walk")
	topdown, follow := true, false
	var onerror *lua.LFunction
	if L.Get(2) != lua.LNil {
		opts := checkTable(L, 2, 2, "walk")
		opts.ForEach(func(k, v lua.LValue) {
			switch key := lua.LVAsString(k); key {
			case "topdown":
				optField(L, 2, "walk", key, v, lua.LTBool)
				topdown = bool(v.(lua.LBool))
			case "followlinks":
				optField(L, 2, "walk", key, v, lua.LTBool)
				follow = bool(v.(lua.LBool))
			case "onerror":
				optField(L, 2, "walk", key, v, lua.LTFunction)
				onerror = v.(*lua.LFunction)
			default:
				argError(L, 2, "walk", "unknown option '"+key+"'")
			}
		})
	}
	type frame struct {
		path, real  string
		resolved    string // with followlinks: real with links resolved
		parent      *frame
		dirs, files []string
		links       map[string]bool
		listed      bool
		next        int // bottom-up: the next subfolder to enter
	}
	stack := []*frame{{path: top, real: realTop}}
	list := func(f *frame) bool {
		f.listed = true
		if follow {
			// a link back to a folder being walked would never end
			f.resolved, _ = filepath.EvalSymlinks(f.real)
			for a := f.parent; a != nil; a = a.parent {
				if a.resolved == f.resolved {
					return false
				}
			}
		}
		names, isDir, isLink, err := readNames(f.real)
		if err != nil {
			if onerror != nil {
				L.CallByParam(lua.P{Fn: onerror, NRet: 0, Protect: false}, errorValue(L, localErr(err, f.path)))
			}
			return false
		}
		f.links = isLink
		for _, n := range names {
			if isDir[n] {
				f.dirs = append(f.dirs, n)
			} else {
				f.files = append(f.files, n)
			}
		}
		return true
	}
	child := func(f *frame, name string) *frame {
		if f.links[name] && !follow {
			return nil
		}
		return &frame{path: filepath.Join(f.path, name), real: filepath.Join(f.real, name), parent: f}
	}
	var last *frame
	var lastDirs *lua.LTable
	yield := func(f *frame) int {
		last = f
		lastDirs = stringList(L, f.dirs)
		L.Push(lua.LString(f.path))
		L.Push(lastDirs)
		L.Push(stringList(L, f.files))
		return 3
	}
	L.Push(L.NewFunction(func(L *lua.LState) int {
		if topdown {
			if last != nil {
				// push the subfolders the loop body left, first on top;
				// only names of the listing count (no "..", no escape
				// from LocalRoot), each once
				listed := map[string]bool{}
				for _, d := range last.dirs {
					listed[d] = true
				}
				var names []string
				for i := 1; i <= lastDirs.Len(); i++ {
					if s, ok := lastDirs.RawGetInt(i).(lua.LString); ok && listed[string(s)] {
						names = append(names, string(s))
						delete(listed, string(s))
					}
				}
				for i := len(names) - 1; i >= 0; i-- {
					if c := child(last, names[i]); c != nil {
						stack = append(stack, c)
					}
				}
				last = nil
			}
			for len(stack) > 0 {
				f := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				if list(f) {
					return yield(f)
				}
			}
			return 0
		}
		for len(stack) > 0 {
			f := stack[len(stack)-1]
			if !f.listed && !list(f) {
				stack = stack[:len(stack)-1]
				continue
			}
			if f.next < len(f.dirs) {
				name := f.dirs[f.next]
				f.next++
				if c := child(f, name); c != nil {
					stack = append(stack, c)
				}
				continue
			}
			stack = stack[:len(stack)-1]
			return yield(f)
		}
		return 0
	}))
	return 1
}

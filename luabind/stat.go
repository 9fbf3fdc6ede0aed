package luabind

import (
	"context"

	"github.com/ftplua/ftplua/host"
	"github.com/ftplua/ftplua/parse"
	lua "github.com/yuin/gopher-lua"
)

// statTable is a stat result as API.md "Stat results" has it: ftputil's
// st_* names, _st_name, _st_target, _st_mtime_precision, the convenience
// names name, target, mtime_precision, type, and the ten values at [1]..[10].
func statTable(L *lua.LState, st host.StatResult) *lua.LTable {
	t := L.CreateTable(10, 16)
	num := func(bit parse.Field, v float64) lua.LValue {
		if st.Valid&bit == 0 {
			return lua.LNil
		}
		return lua.LNumber(v)
	}
	str := func(bit parse.Field, v string) lua.LValue {
		if st.Valid&bit == 0 {
			return lua.LNil
		}
		return lua.LString(v)
	}
	values := []struct {
		name string
		v    lua.LValue
	}{
		{"st_mode", num(parse.HasMode, float64(st.Mode))},
		{"st_ino", num(parse.HasIno, float64(st.Ino))},
		{"st_dev", num(parse.HasDev, float64(st.Dev))},
		{"st_nlink", num(parse.HasNlink, float64(st.Nlink))},
		{"st_uid", str(parse.HasUID, st.UID)},
		{"st_gid", str(parse.HasGID, st.GID)},
		{"st_size", num(parse.HasSize, float64(st.Size))},
		{"st_atime", num(parse.HasAtime, st.Atime)},
		{"st_mtime", num(parse.HasMtime, st.Mtime)},
		{"st_ctime", num(parse.HasCtime, st.Ctime)},
	}
	for i, v := range values {
		t.RawSetString(v.name, v.v)
		t.RawSetInt(i+1, v.v)
	}
	t.RawSetString("_st_name", lua.LString(st.Name))
	t.RawSetString("name", lua.LString(st.Name))
	target := str(parse.HasTarget, st.Target)
	t.RawSetString("_st_target", target)
	t.RawSetString("target", target)
	prec := num(parse.HasPrecision, st.MtimePrecision)
	t.RawSetString("_st_mtime_precision", prec)
	t.RawSetString("mtime_precision", prec)
	typ := "other"
	switch st.Mode & 0o170000 {
	case 0o100000:
		typ = "file"
	case 0o040000:
		typ = "directory"
	case 0o120000:
		typ = "link"
	}
	t.RawSetString("type", lua.LString(typ))
	return t
}

func hostStat(name string, follow bool) lua.LGFunction {
	return func(L *lua.LState) int {
		hh := checkHost(L, name)
		p := checkPath(L, 2, 1, name)
		var st host.StatResult
		hh.run(L, func() (err error) {
			if follow {
				st, err = hh.h.Stat(hh.ctx(L), p)
			} else {
				st, err = hh.h.Lstat(hh.ctx(L), p)
			}
			return err
		})
		L.Push(statTable(L, st))
		return 1
	}
}

// pathQuery makes host.path.exists and friends.
func pathQuery(hh *hostHandle, base func(*lua.LState) int, name string,
	f func(h *host.Host) func(ctx context.Context, p string) (bool, error)) lua.LGFunction {
	return func(L *lua.LState) int {
		p := checkPath(L, base(L), 1, name)
		var ok bool
		hh.run(L, func() (err error) {
			ok, err = f(hh.h)(hh.ctx(L), p)
			return err
		})
		L.Push(lua.LBool(ok))
		return 1
	}
}

package luabind

import (
	"fmt"

	"github.com/ftplua/ftplua/host"
	lua "github.com/yuin/gopher-lua"
)

// host:sync_plan{src=, dst=, direction="down"|"up", delete=false,
// compare={"mtime","size"}, include=, exclude=} returns the plan as an
// array of action tables; host:apply(plan [, {parallel=1, max_delete=nil,
// dry_run=false}]) runs exactly that plan and returns a summary table.

func stringArray(L *lua.LState, v lua.LValue, n int, fname, key string) []string {
	switch v := v.(type) {
	case lua.LString:
		return []string{string(v)}
	case *lua.LTable:
		var out []string
		for i := 1; i <= v.Len(); i++ {
			s, ok := v.RawGetInt(i).(lua.LString)
			if !ok {
				argError(L, n, fname, fmt.Sprintf("option '%s': array of strings expected", key))
			}
			out = append(out, string(s))
		}
		return out
	}
	argError(L, n, fname, fmt.Sprintf("option '%s': string or array of strings expected, got %s", key, typeName(v)))
	return nil
}

func hostSyncPlan(L *lua.LState) int {
	hh := checkHost(L, "sync_plan")
	t := checkTable(L, 2, 1, "sync_plan")
	var o host.SyncOptions
	t.ForEach(func(k, v lua.LValue) {
		switch key := lua.LVAsString(k); key {
		case "src", "dst", "direction":
			optField(L, 1, "sync_plan", key, v, lua.LTString)
			s := string(v.(lua.LString))
			switch key {
			case "src":
				o.Src = s
			case "dst":
				o.Dst = s
			default:
				o.Direction = s
			}
		case "delete":
			optField(L, 1, "sync_plan", key, v, lua.LTBool)
			o.Delete = bool(v.(lua.LBool))
		case "compare":
			o.Compare = stringArray(L, v, 1, "sync_plan", key)
		case "include":
			o.Include = stringArray(L, v, 1, "sync_plan", key)
		case "exclude":
			o.Exclude = stringArray(L, v, 1, "sync_plan", key)
		default:
			argError(L, 1, "sync_plan", "unknown option '"+key+"'")
		}
	})
	if o.Src == "" || o.Dst == "" {
		argError(L, 1, "sync_plan", "options 'src' and 'dst' are required")
	}
	if o.Direction != "down" && o.Direction != "up" {
		argError(L, 1, "sync_plan", `option 'direction' must be "down" or "up"`)
	}
	st := getState(L)
	if o.Direction == "down" {
		o.Dst = st.localPath(L, o.Dst, 1, "sync_plan")
	} else {
		o.Src = st.localPath(L, o.Src, 1, "sync_plan")
	}
	var plan []host.Action
	hh.run(L, func() (err error) {
		plan, err = hh.h.SyncPlan(hh.ctx(L), o)
		return err
	})
	out := L.CreateTable(len(plan), 0)
	for _, a := range plan {
		at := L.CreateTable(0, 8)
		at.RawSetString("op", lua.LString(a.Op))
		at.RawSetString("path", lua.LString(a.Path))
		if a.Src != "" {
			at.RawSetString("src", lua.LString(a.Src))
		}
		at.RawSetString("dst", lua.LString(a.Dst))
		at.RawSetString("remote", lua.LBool(a.Remote))
		if a.Op == "download" || a.Op == "upload" {
			at.RawSetString("size", lua.LNumber(a.Size))
		}
		at.RawSetString("reason", lua.LString(a.Reason))
		out.Append(at)
	}
	L.Push(out)
	return 1
}

// planFromLua reads a plan back, as sync_plan made it or a script changed it.
func planFromLua(L *lua.LState, t *lua.LTable) []host.Action {
	st := getState(L)
	plan := make([]host.Action, 0, t.Len())
	for i := 1; i <= t.Len(); i++ {
		at, ok := t.RawGetInt(i).(*lua.LTable)
		if !ok {
			argError(L, 1, "apply", fmt.Sprintf("plan item %d is %s, not an action table", i, typeName(t.RawGetInt(i))))
		}
		a := host.Action{
			Op:     lua.LVAsString(at.RawGetString("op")),
			Path:   lua.LVAsString(at.RawGetString("path")),
			Src:    lua.LVAsString(at.RawGetString("src")),
			Dst:    lua.LVAsString(at.RawGetString("dst")),
			Remote: lua.LVAsBool(at.RawGetString("remote")),
		}
		if n, ok := at.RawGetString("size").(lua.LNumber); ok {
			a.Size = int64(n)
		}
		// local paths of a plan a script may have edited stay confined
		if a.Remote && a.Src != "" {
			a.Src = st.localPath(L, a.Src, 1, "apply")
		}
		if !a.Remote {
			a.Dst = st.localPath(L, a.Dst, 1, "apply")
		}
		plan = append(plan, a)
	}
	return plan
}

func hostApply(L *lua.LState) int {
	hh := checkHost(L, "apply")
	plan := planFromLua(L, checkTable(L, 2, 1, "apply"))
	var o host.ApplyOptions
	if L.Get(3) != lua.LNil {
		checkTable(L, 3, 2, "apply").ForEach(func(k, v lua.LValue) {
			switch key := lua.LVAsString(k); key {
			case "parallel":
				optField(L, 2, "apply", key, v, lua.LTNumber)
				n := float64(v.(lua.LNumber))
				if n < 1 || n != float64(int(n)) {
					argError(L, 2, "apply", "option 'parallel': a positive integer expected")
				}
				o.Parallel = int(n)
			case "max_delete":
				optField(L, 2, "apply", key, v, lua.LTNumber)
				n := float64(v.(lua.LNumber))
				if n < 0 || n != float64(int(n)) {
					argError(L, 2, "apply", "option 'max_delete': an integer >= 0 expected")
				}
				o.LimitDeletes, o.MaxDelete = true, int(n)
			case "dry_run":
				optField(L, 2, "apply", key, v, lua.LTBool)
				o.DryRun = bool(v.(lua.LBool))
			default:
				argError(L, 2, "apply", "unknown option '"+key+"'")
			}
		})
	}
	var sum host.ApplySummary
	hh.run(L, func() (err error) {
		sum, err = hh.h.Apply(hh.ctx(L), plan, o)
		return err
	})
	t := L.CreateTable(0, 8)
	for k, v := range map[string]int64{"mkdirs": int64(sum.Mkdirs), "downloads": int64(sum.Downloads),
		"uploads": int64(sum.Uploads), "deletes": int64(sum.Deletes), "bytes": sum.Bytes,
		"failed": int64(sum.Failed), "retries": int64(sum.Retries), "parallel": int64(sum.Parallel)} {
		t.RawSetString(k, lua.LNumber(v))
	}
	t.RawSetString("dry_run", lua.LBool(o.DryRun))
	L.Push(t)
	return 1
}

// ftputil.LocalHost() and ftputil.Syncer(source, target): ftputil's
// ftputil.sync, on top of sync_plan/apply. Like ftputil's, sync copies
// every file (no comparison) and deletes nothing; one side is a host, the
// other the local file system.
const localHostMT = "ftputil.LocalHost"

func registerSync(L *lua.LState, mod *lua.LTable) {
	lmt := L.NewTypeMetatable(localHostMT)
	L.SetField(lmt, "__tostring", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString("LocalHost()"))
		return 1
	}))
	L.SetField(mod, "LocalHost", L.NewFunction(func(L *lua.LState) int {
		ud := L.NewUserData()
		ud.Value = localHostMT
		L.SetMetatable(ud, lmt)
		L.Push(ud)
		return 1
	}))
	L.SetField(mod, "Syncer", L.NewFunction(syncer))
}

func isLocalHost(v lua.LValue) bool {
	ud, ok := v.(*lua.LUserData)
	return ok && ud.Value == localHostMT
}

func syncer(L *lua.LState) int {
	src, dst := L.Get(1), L.Get(2)
	var hh *hostHandle
	dir := ""
	switch {
	case hostOf(src) != nil && isLocalHost(dst):
		hh, dir = hostOf(src), "down"
	case isLocalHost(src) && hostOf(dst) != nil:
		hh, dir = hostOf(dst), "up"
	default:
		argError(L, 1, "Syncer", "one side must be a host and the other ftputil.LocalHost()")
	}
	obj := L.NewTable()
	L.SetField(obj, "sync", L.NewFunction(func(L *lua.LState) int {
		a := checkString(L, 2, 1, "sync")
		b := checkString(L, 3, 2, "sync")
		o := host.SyncOptions{Src: a, Dst: b, Direction: dir, Compare: []string{"always"}}
		if dir == "down" {
			o.Dst = getState(L).localPath(L, b, 2, "sync")
		} else {
			o.Src = getState(L).localPath(L, a, 1, "sync")
		}
		hh.run(L, func() error {
			plan, err := hh.h.SyncPlan(hh.ctx(L), o)
			if err != nil {
				return err
			}
			_, err = hh.h.Apply(hh.ctx(L), plan, host.ApplyOptions{})
			return err
		})
		return 0
	}))
	L.Push(obj)
	return 1
}

func hostOf(v lua.LValue) *hostHandle {
	if ud, ok := v.(*lua.LUserData); ok {
		if hh, ok := ud.Value.(*hostHandle); ok {
			return hh
		}
	}
	return nil
}

package luabind

import (
	"github.com/ftplua/ftplua/host"
	lua "github.com/yuin/gopher-lua"
)

// upload/download(..., callback, {resume=false, verify=false,
// min_verify=nil, atomic=false}) return a result table {bytes=,
// resumed_from=, verified=, transferred=}; host:infer_time_shift([dir])
// returns the estimated shift, or nil and the reason.

// minVerifyValues are the values of min_verify.
var minVerifyValues = map[string]bool{"size": true, "hash": true, "crc32": true, "md5": true,
	"sha1": true, "sha256": true, "sha512": true}

// transferOptions reads the options table of upload and download at stack
// index idx (argument n in messages): resume, verify and atomic
// (booleans) and min_verify (a string). ok is false when the argument is
// absent (nil). Anything else, an unknown key or a value of the wrong
// type, is an argument error naming it.
func transferOptions(L *lua.LState, idx, n int, fname string) (o host.TransferOptions, ok bool) {
	v := L.Get(idx)
	if v == lua.LNil {
		return o, false
	}
	t, isTable := v.(*lua.LTable)
	if !isTable {
		argError(L, n, fname, "table of options expected, got "+typeName(v))
	}
	t.ForEach(func(k, v lua.LValue) {
		key, isString := k.(lua.LString)
		if !isString {
			argError(L, n, fname, "option names must be strings, got "+k.Type().String())
		}
		switch key {
		case "resume", "verify", "atomic":
			optField(L, n, fname, string(key), v, lua.LTBool)
			b := bool(v.(lua.LBool))
			switch key {
			case "resume":
				o.Resume = b
			case "verify":
				o.Verify = b
			default:
				o.Atomic = b
			}
		case "min_verify":
			optField(L, n, fname, string(key), v, lua.LTString)
			s := string(v.(lua.LString))
			if !minVerifyValues[s] {
				argError(L, n, fname, "option 'min_verify': \"size\", \"hash\", \"crc32\", \"md5\", \"sha1\", \"sha256\" or \"sha512\" expected, got \""+s+"\"")
			}
			o.MinVerify = s
		default:
			argError(L, n, fname, "unknown option '"+string(key)+"'")
		}
	})
	return o, true
}

// transferResult is the result table of upload and download with
// options: bytes (transferred by this call), resumed_from (the offset it
// continued from, 0 if none), verified (the check done: "sha256",
// "sha512", "sha1", "md5", "crc32" or "size"; nil without verify) and
// transferred (false only when a resumed upload found the file complete).
func transferResult(L *lua.LState, r host.TransferResult) *lua.LTable {
	t := L.CreateTable(0, 4)
	t.RawSetString("bytes", lua.LNumber(r.Bytes))
	t.RawSetString("resumed_from", lua.LNumber(r.ResumedFrom))
	if r.Verified != "" {
		t.RawSetString("verified", lua.LString(r.Verified))
	}
	t.RawSetString("transferred", lua.LBool(r.Transferred))
	return t
}

// transferWithOptions runs upload (or download) with the options table of
// argument 4 (stack index 5), if there is one, and pushes the result
// table. ok is false, and nothing is done, without the argument; then the
// caller goes on as before. local is the checked local path, cb the chunk
// callback (or nil).
func transferWithOptions(L *lua.LState, hh *hostHandle, fname string, upload bool, local, remote string, cb func([]byte) error) (nret int, ok bool) {
	o, ok := transferOptions(L, 5, 4, fname)
	if !ok {
		return 0, false
	}
	o.Callback = cb
	var res host.TransferResult
	hh.run(L, func() (err error) {
		ctx := hh.ctx(L)
		if upload {
			res, err = hh.h.UploadWith(ctx, local, remote, o)
		} else {
			res, err = hh.h.DownloadWith(ctx, remote, local, o)
		}
		return err
	})
	L.Push(transferResult(L, res))
	return 1, true
}

// host:infer_time_shift([dir]): the time shift estimated from MDTM against
// the listing of dir (default: the current directory), without writing;
// nil and the reason when it cannot tell.
func hostInferTimeShift(L *lua.LState) int {
	hh := checkHost(L, "infer_time_shift")
	dir := "."
	if L.Get(2) != lua.LNil {
		dir = checkPath(L, 2, 1, "infer_time_shift")
	}
	var (
		shift  float64
		ok     bool
		reason string
	)
	hh.run(L, func() (err error) {
		shift, ok, reason, err = hh.h.InferTimeShiftIn(hh.ctx(L), dir)
		return err
	})
	if !ok {
		L.Push(lua.LNil)
		L.Push(lua.LString(reason))
		return 2
	}
	L.Push(lua.LNumber(shift))
	return 1
}

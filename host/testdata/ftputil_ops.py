#!/usr/bin/python3
"""The operations of host/ftputil_diff_test.go, done with Debian's
python3-ftputil 5.0.4. Prints one JSON object; the Go test does the same
through host/ and compares.

usage: ftputil_ops.py HOST PORT USER PASSWORD SCRATCH_DIR LOCAL_DIR
"""
import json, os, stat, sys
import ftputil, ftputil.session, ftputil.error

host, port, user, password, scratch, local = sys.argv[1:7]
factory = ftputil.session.session_factory(port=int(port), encoding="utf-8")
out = {}


def err(e):
    return {"class": type(e).__name__, "code": e.errno}


def st(s):
    return {"mode": s.st_mode, "size": s.st_size, "uid": s.st_uid, "gid": s.st_gid,
            "nlink": s.st_nlink, "mtime": s.st_mtime, "precision": s._st_mtime_precision,
            "target": s._st_target, "name": s._st_name}


def attempt(f):
    try:
        return {"ok": f()}
    except ftputil.error.FTPError as e:
        return {"error": err(e)}


with ftputil.FTPHost(host, user, password, session_factory=factory) as h:
    h.use_list_a_option = True
    names = sorted(h.listdir("/sample"))
    out["listdir"] = names
    out["lstat"] = {n: st(h.lstat("/sample/" + n)) for n in names}
    out["stat"] = {n: attempt(lambda n=n: st(h.stat("/sample/" + n))) for n in names}
    queries = {}
    for p in ["/sample/" + n for n in names] + ["/sample/nothing", "/nothing/x", "/sample", "/"]:
        queries[p] = [h.path.exists(p), h.path.isdir(p), h.path.isfile(p), h.path.islink(p)]
    out["queries"] = queries
    out["getsize"] = attempt(lambda: h.path.getsize("/sample/link"))
    out["walk"] = [[d, sorted(ds), sorted(fs)] for d, ds, fs in h.walk("/sample")]
    out["walk_bottomup"] = [d for d, _, _ in h.walk("/sample", topdown=False)]

    d = scratch
    h.makedirs(d + "/a/b/c")
    out["after_makedirs"] = h.listdir(d + "/a/b")
    out["makedirs_again"] = attempt(lambda: h.makedirs(d + "/a/b/c"))
    h.rename(d + "/a", d + "/x")
    out["after_rename"] = sorted(h.listdir(d))
    with open(os.path.join(local, "f.txt"), "wb") as f:
        f.write(b"hello\n" * 1000)
    h.upload(os.path.join(local, "f.txt"), d + "/x/f.txt")
    out["size_uploaded"] = h.path.getsize(d + "/x/f.txt")
    h.chmod(d + "/x/f.txt", 0o600)
    out["mode_after_chmod"] = h.lstat(d + "/x/f.txt").st_mode
    h.download(d + "/x/f.txt", os.path.join(local, "g.txt"))
    out["downloaded"] = os.path.getsize(os.path.join(local, "g.txt"))
    out["rmdir_nonempty"] = attempt(lambda: h.rmdir(d + "/x"))
    out["remove_dir"] = attempt(lambda: h.remove(d + "/x"))
    h.remove(d + "/x/f.txt")
    h.rmdir(d + "/x/b/c")
    out["after_removes"] = h.listdir(d + "/x/b")
    h.rmtree(d + "/x")
    out["after_rmtree"] = h.listdir(d)
    out["chdir_missing"] = attempt(lambda: h.chdir("/nothing"))
    out["listdir_missing"] = attempt(lambda: h.listdir("/nothing"))
    out["listdir_file"] = attempt(lambda: h.listdir("/sample/file.txt"))
    out["remove_missing"] = attempt(lambda: h.remove(d + "/nothing"))
    out["lstat_missing"] = attempt(lambda: st(h.lstat("/sample/nothing")))
    out["open_missing"] = attempt(lambda: h.open("/sample/nothing", "rb").close())

print(json.dumps(out, sort_keys=True))

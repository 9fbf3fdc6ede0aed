package host

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// Sync in two steps, beyond ftputil: SyncPlan compares a remote and a
// local tree and returns the actions that would make the target like the
// source; Apply runs exactly the actions it is given (a script may read,
// filter or print them in between), optionally several transfers at once.

// SyncOptions describe a plan.
type SyncOptions struct {
	Src, Dst  string // "down": Src remote, Dst local; "up": Src local, Dst remote
	Direction string // "down" or "up"
	Delete    bool   // also delete what the target has and the source lacks
	// Compare lists what makes a file worth transferring when it exists
	// on both sides: "size" (sizes differ), "mtime" (the source is newer,
	// by ftputil's rule with the exact time asked where the listing's
	// precision leaves it open), or "always". Default: size and mtime.
	Compare []string
	// Include and Exclude are glob patterns (path.Match) matched against
	// the slash-separated path relative to the tree's top and against the
	// base name. With Include, only files matching one are considered;
	// Exclude drops files and whole directories.
	Include, Exclude []string
}

// Action is one step of a plan.
type Action struct {
	Op     string // "mkdir", "download", "upload", "delete", "rmdir"
	Path   string // relative to the tree's top, slash-separated
	Src    string // the source path (transfers), remote or local
	Dst    string // the path acted upon
	Remote bool   // Dst is a remote path (the plan goes up)
	Size   int64  // bytes to transfer
	Reason string // why, for people: "missing locally", "remote newer: ...", ...
}

// ApplyOptions control Apply.
type ApplyOptions struct {
	Parallel int // transfers at once (<= MaxConnections-1); 0 or 1: one by one
	// With LimitDeletes, a plan with more than MaxDelete deletions is
	// refused before anything is done.
	LimitDeletes bool
	MaxDelete    int
	DryRun       bool // report, change nothing
}

// ApplySummary is what Apply did (or, dry, would do).
type ApplySummary struct {
	Mkdirs, Downloads, Uploads, Deletes int
	Bytes                               int64
	Failed                              int
	Retries                             int // transfers tried again after a 421, a refused login, or a failed data connection (425, 426)
	Parallel                            int // concurrency at the end (it shrinks on 421)
}

func (o *SyncOptions) wants(what string) bool {
	if len(o.Compare) == 0 {
		return what == "size" || what == "mtime"
	}
	for _, c := range o.Compare {
		if c == what {
			return true
		}
	}
	return false
}

func matchAny(patterns []string, rel string) bool {
	base := path.Base(rel)
	for _, p := range patterns {
		if ok, _ := path.Match(p, rel); ok {
			return true
		}
		if ok, _ := path.Match(p, base); ok {
			return true
		}
	}
	return false
}

// entry is one side's view of a path.
type entry struct {
	dir   bool
	size  int64
	mtime float64
	prec  float64 // mtime precision in seconds (1 locally)
}

// SyncPlan compares the trees and returns the actions, in the order Apply
// runs them: directories to make (parents first), transfers, then
// deletions (files, then directories, deepest first). It changes nothing.
func (h *Host) SyncPlan(ctx context.Context, o SyncOptions) ([]Action, error) {
	for _, c := range o.Compare {
		if c != "size" && c != "mtime" && c != "always" {
			return nil, newError(SyncError, "", "unknown compare %q (want size, mtime or always)", c)
		}
	}
	for _, p := range append(append([]string{}, o.Include...), o.Exclude...) {
		if _, err := path.Match(p, ""); err != nil {
			return nil, newError(SyncError, "", "bad pattern %q", p)
		}
	}
	var remoteTop, localTop string
	switch o.Direction {
	case "down":
		remoteTop, localTop = h.Abspath(o.Src), o.Dst
	case "up":
		remoteTop, localTop = h.Abspath(o.Dst), o.Src
	default:
		return nil, newError(SyncError, "", "direction must be \"down\" or \"up\", not %q", o.Direction)
	}
	remote, err := h.remoteTree(ctx, remoteTop, o, o.Direction == "down")
	if err != nil {
		return nil, err
	}
	local, err := localTree(localTop, o, o.Direction == "up")
	if err != nil {
		return nil, err
	}
	src, dst := remote, local
	if o.Direction == "up" {
		src, dst = local, remote
	}
	srcPath := func(rel string) string {
		if o.Direction == "down" {
			return Join(remoteTop, rel)
		}
		return filepath.Join(localTop, filepath.FromSlash(rel))
	}
	dstPath := func(rel string) string {
		if o.Direction == "down" {
			return filepath.Join(localTop, filepath.FromSlash(rel))
		}
		return Join(remoteTop, rel)
	}
	op, remoteDst := "download", false
	if o.Direction == "up" {
		op, remoteDst = "upload", true
	}
	var mkdirs, transfers, deletes []Action
	for _, rel := range sortedKeys(src) {
		s := src[rel]
		d, exists := dst[rel]
		if s.dir {
			if !exists {
				mkdirs = append(mkdirs, Action{Op: "mkdir", Path: rel, Dst: dstPath(rel), Remote: remoteDst, Reason: "missing in the target"})
			} else if !d.dir {
				return nil, newError(SyncError, dstPath(rel), "target %s is a file where the source has a directory", dstPath(rel))
			}
			continue
		}
		a := Action{Op: op, Path: rel, Src: srcPath(rel), Dst: dstPath(rel), Remote: remoteDst, Size: s.size}
		switch {
		case !exists:
			a.Reason = "missing in the target"
		case d.dir:
			return nil, newError(SyncError, dstPath(rel), "target %s is a directory where the source has a file", dstPath(rel))
		case o.wants("always"):
			a.Reason = "always"
		case o.wants("size") && s.size != d.size:
			a.Reason = fmt.Sprintf("size differs: source %d, target %d", s.size, d.size)
		case o.wants("mtime") && h.newer(ctx, o.Direction, rel, remoteTop, s, d, &a.Reason):
		default:
			continue
		}
		transfers = append(transfers, a)
	}
	if o.Delete {
		var files, dirs []Action
		for _, rel := range sortedKeys(dst) {
			if _, ok := src[rel]; ok {
				continue
			}
			if dst[rel].dir {
				dirs = append(dirs, Action{Op: "rmdir", Path: rel, Dst: dstPath(rel), Remote: remoteDst, Reason: "not in the source"})
			} else {
				files = append(files, Action{Op: "delete", Path: rel, Dst: dstPath(rel), Remote: remoteDst, Reason: "not in the source"})
			}
		}
		sort.SliceStable(dirs, func(i, j int) bool { return strings.Count(dirs[i].Path, "/") > strings.Count(dirs[j].Path, "/") })
		deletes = append(files, dirs...)
	}
	// the target's top itself, if it is missing
	topMissing := false
	if o.Direction == "down" {
		_, err := os.Stat(localTop)
		topMissing = errors.Is(err, fs.ErrNotExist)
	} else if ok, err := h.Exists(ctx, remoteTop); err == nil && !ok {
		topMissing = true
	}
	if topMissing {
		dst := localTop
		if remoteDst {
			dst = remoteTop
		}
		top := Action{Op: "mkdir", Path: ".", Dst: dst, Remote: remoteDst, Reason: "missing in the target"}
		mkdirs = append([]Action{top}, mkdirs...)
	}
	plan := append(append(mkdirs, transfers...), deletes...)
	return plan, nil
}

func fmtTime(t float64) string {
	return time.Unix(int64(t), 0).UTC().Format("2006-01-02 15:04:05Z")
}

func sortedKeys(m map[string]entry) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// newer applies ftputil's if-newer rule to a file on both sides, asking
// the remote file's exact time where the listing's precision decides. If
// the source counts as newer, *reason says so with the times that were
// compared (the exact one where it was asked) and the precision that
// left it open.
func (h *Host) newer(ctx context.Context, dir, rel, remoteTop string, s, d entry, reason *string) bool {
	remotePath := Join(remoteTop, rel)
	sm, dm, prec := s.mtime, d.mtime, 1.0
	var yes bool
	if dir == "down" { // s remote, d local
		prec = s.prec
		switch {
		case s.prec == 0: // precision unknown: transfer
			*reason = fmt.Sprintf("source time of unknown precision: %s vs %s", fmtTime(sm), fmtTime(dm))
			return true
		case s.prec > 1 && s.mtime+s.prec >= d.mtime && s.mtime+1 < d.mtime:
			if exact, ok := h.exactMtime(ctx, remotePath); ok {
				sm, prec = exact, 1
			}
		}
		yes = sm+prec >= dm
	} else { // s local, d remote
		if d.prec > 1 {
			prec = d.prec
		}
		if d.prec > 1 && s.mtime+1 >= d.mtime && s.mtime+1 < d.mtime+d.prec {
			if exact, ok := h.exactMtime(ctx, remotePath); ok {
				dm, prec = exact, 1
			}
		}
		yes = sm+1 >= dm
	}
	if yes {
		if sm > dm {
			*reason = fmt.Sprintf("source newer: %s vs %s (precision %g s)", fmtTime(sm), fmtTime(dm), prec)
		} else {
			*reason = fmt.Sprintf("source may be newer: %s vs %s, within the precision of %g s", fmtTime(sm), fmtTime(dm), prec)
		}
	}
	return yes
}

// syncListAhead is how many directories SyncPlan lists at once ahead of
// its walk (on child connections; the plan does not change the tree).
const syncListAhead = 3

// remoteTree lists a remote tree (one listing per directory). A missing
// top is an empty tree unless it is the source.
func (h *Host) remoteTree(ctx context.Context, top string, o SyncOptions, isSource bool) (map[string]entry, error) {
	out := map[string]entry{}
	if ok, err := h.IsDir(ctx, top); err != nil {
		return nil, err
	} else if !ok {
		if isSource {
			return nil, newError(SyncError, top, "source %s is not a remote directory", top)
		}
		if exists, _ := h.Exists(ctx, top); exists {
			return nil, newError(SyncError, top, "target %s is not a directory", top)
		}
		return out, nil
	}
	var walkErr error
	w := h.Walk(ctx, top, WalkOptions{ListAhead: syncListAhead,
		OnError: func(err error) error { walkErr = err; return err }})
	for w.Next() {
		dir := w.Dir()
		rel := strings.TrimPrefix(strings.TrimPrefix(dir, top), "/")
		var keep []string
		for _, name := range w.Dirnames() {
			r := path.Join(rel, name)
			if matchAny(o.Exclude, r) {
				continue
			}
			if link, _ := h.IsLink(ctx, Join(dir, name)); link {
				continue // links to directories are not followed
			}
			keep = append(keep, name)
			out[r] = entry{dir: true}
		}
		w.SetDirnames(keep)
		for _, name := range w.Filenames() {
			r := path.Join(rel, name)
			if matchAny(o.Exclude, r) || (len(o.Include) > 0 && !matchAny(o.Include, r)) {
				continue
			}
			st, err := h.Stat(ctx, Join(dir, name))
			if err != nil {
				continue // a dangling link: nothing to copy
			}
			if !isRegMode(st.Mode) {
				continue
			}
			out[r] = entry{size: st.Size, mtime: st.Mtime, prec: st.MtimePrecision}
		}
	}
	if err := w.Err(); err != nil {
		return nil, err
	}
	if walkErr != nil {
		return nil, walkErr
	}
	return out, nil
}

// localTree reads a local tree. A missing top is an empty tree unless it
// is the source.
func localTree(top string, o SyncOptions, isSource bool) (map[string]entry, error) {
	out := map[string]entry{}
	fi, err := os.Stat(top)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) && !isSource {
			return out, nil
		}
		return nil, localError(err, top)
	}
	if !fi.IsDir() {
		return nil, newError(SyncError, top, "local %s is not a directory", top)
	}
	err = filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == top {
			return nil
		}
		rel, _ := filepath.Rel(top, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if matchAny(o.Exclude, rel) {
				return filepath.SkipDir
			}
			out[rel] = entry{dir: true}
			return nil
		}
		if matchAny(o.Exclude, rel) || (len(o.Include) > 0 && !matchAny(o.Include, rel)) {
			return nil
		}
		info, err := os.Stat(p) // follow links to files
		if err != nil || !info.Mode().IsRegular() {
			return nil
		}
		out[rel] = entry{size: info.Size(), mtime: float64(info.ModTime().UnixNano()) / 1e9, prec: 1}
		return nil
	})
	if err != nil {
		return nil, localError(err, top)
	}
	return out, nil
}

// Apply runs a plan: directories first, then transfers (Parallel at a
// time), then deletions. A failed action does not stop the others; the
// first failure comes back as a SyncError with the count. On 421 (too
// many connections) or a refused login, fewer transfers run at once and
// the transfer is tried again; after 425 or 426 (the data connection
// failed) it is tried again up to four times.
func (h *Host) Apply(ctx context.Context, plan []Action, o ApplyOptions) (ApplySummary, error) {
	var sum ApplySummary
	deletes := 0
	for _, a := range plan {
		switch a.Op {
		case "mkdir", "download", "upload", "delete", "rmdir":
		default:
			return sum, newError(SyncError, a.Dst, "unknown action %q", a.Op)
		}
		if a.Dst == "" || (a.Op == "download" || a.Op == "upload") && a.Src == "" {
			return sum, newError(SyncError, a.Path, "action %s of %q lacks its paths", a.Op, a.Path)
		}
		if a.Op == "upload" && !a.Remote || a.Op == "download" && a.Remote {
			return sum, newError(SyncError, a.Path, "action %s of %q has its target on the wrong side", a.Op, a.Path)
		}
		if a.Op == "delete" || a.Op == "rmdir" {
			deletes++
		}
	}
	if o.LimitDeletes && deletes > o.MaxDelete {
		return sum, newError(SyncError, "", "the plan deletes %d entries, more than max_delete %d", deletes, o.MaxDelete)
	}
	par := o.Parallel
	if par < 1 {
		par = 1
	}
	if limit := h.pool.limit(); par > limit {
		par = limit
	}
	sum.Parallel = par
	if o.DryRun {
		for _, a := range plan {
			sum.count(a)
		}
		return sum, nil
	}
	var (
		mu       sync.Mutex
		failures []error
	)
	fail := func(a Action, err error) {
		mu.Lock()
		defer mu.Unlock()
		sum.Failed++
		failures = append(failures, fmt.Errorf("%s %s: %w", a.Op, a.Path, err))
	}
	// directories, in order
	for _, a := range plan {
		if a.Op != "mkdir" {
			continue
		}
		var err error
		if a.Remote {
			err = h.Makedirs(ctx, a.Dst, true)
		} else {
			err = os.MkdirAll(a.Dst, 0o755)
		}
		if err != nil {
			fail(a, err)
			continue
		}
		sum.Mkdirs++
	}
	// transfers
	lim := newLimiter(par)
	transfer := func(a Action) {
		if ctx.Err() != nil {
			fail(a, ctx.Err())
			return
		}
		lim.acquire()
		defer lim.release()
		for attempt := 0; ; attempt++ {
			var err error
			if a.Op == "download" {
				err = h.Download(ctx, a.Src, a.Dst, nil)
			} else {
				err = h.Upload(ctx, a.Src, a.Dst, nil)
			}
			if err == nil {
				mu.Lock()
				sum.count(a)
				mu.Unlock()
				return
			}
			if tooMany(err) && attempt < 8 && ctx.Err() == nil {
				lim.shrink()
				mu.Lock()
				sum.Retries++
				mu.Unlock()
				time.Sleep(time.Duration(50<<attempt) * time.Millisecond)
				continue
			}
			if dataConnFailed(err) && attempt < 4 && ctx.Err() == nil {
				mu.Lock()
				sum.Retries++
				mu.Unlock()
				time.Sleep(time.Duration(20<<attempt) * time.Millisecond)
				continue
			}
			fail(a, err)
			return
		}
	}
	chunks := transferChunks(plan, par)
	next := make(chan []Action, len(chunks))
	for _, c := range chunks {
		next <- c
	}
	close(next)
	var wg sync.WaitGroup
	for w := 0; w < par && w < len(chunks); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for chunk := range next {
				for _, a := range chunk {
					transfer(a)
				}
			}
		}()
	}
	wg.Wait()
	sum.Parallel = lim.capacity()
	// deletions, in order
	for _, a := range plan {
		var err error
		switch a.Op {
		case "delete":
			if a.Remote {
				err = h.Remove(ctx, a.Dst)
			} else {
				err = os.Remove(a.Dst)
			}
		case "rmdir":
			if a.Remote {
				err = h.Rmdir(ctx, a.Dst)
			} else {
				err = os.Remove(a.Dst)
			}
		default:
			continue
		}
		if err != nil {
			fail(a, err)
			continue
		}
		sum.Deletes++
	}
	if len(failures) > 0 {
		e := newError(SyncError, "", "%d of %d actions failed; the first: %v", len(failures), len(plan), failures[0])
		e.Err = errors.Join(failures...)
		return sum, e
	}
	return sum, nil
}

// transferChunks cuts the plan's transfers, in order, into runs of one
// remote directory, each at most a quarter of a worker's share long, so
// that a worker (and the child connection it keeps reusing) stays in one
// directory for a while: one CWD per run instead of one per worker and
// directory, and no worker idles long at the end.
func transferChunks(plan []Action, par int) [][]Action {
	var transfers []Action
	for _, a := range plan {
		if a.Op == "download" || a.Op == "upload" {
			transfers = append(transfers, a)
		}
	}
	max := (len(transfers) + 4*par - 1) / (4 * par)
	if max < 1 {
		max = 1
	}
	var chunks [][]Action
	start := 0
	for i := 1; i <= len(transfers); i++ {
		if i == len(transfers) || i-start >= max || remoteDir(transfers[i]) != remoteDir(transfers[start]) {
			chunks = append(chunks, transfers[start:i:i])
			start = i
		}
	}
	return chunks
}

// remoteDir is the remote directory a transfer works in.
func remoteDir(a Action) string {
	if a.Remote {
		return path.Dir(a.Dst)
	}
	return path.Dir(a.Src)
}

func (s *ApplySummary) count(a Action) {
	switch a.Op {
	case "mkdir":
		s.Mkdirs++
	case "download":
		s.Downloads++
		s.Bytes += a.Size
	case "upload":
		s.Uploads++
		s.Bytes += a.Size
	case "delete", "rmdir":
		s.Deletes++
	}
}

// tooMany tells a failure that fewer connections may cure: 421, or a
// refused login (530 from a server at its per-client limit).
func tooMany(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code == 421 || (e.Code == 530 && e.Command == "")
}

// dataConnFailed tells a failure of the data connection that the next
// attempt may not meet: 425 (the server could not open it: with a busy
// passive port range proftpd answers "425 Unable to build data
// connection: Address already in use") or 426 (it broke). The local
// file is whole or untouched either way (downloads go through a
// temporary file; a failed upload is removed).
func dataConnFailed(err error) bool {
	var e *Error
	return errors.As(err, &e) && (e.Code == 425 || e.Code == 426)
}

// limiter is a semaphore whose capacity can shrink (not below 1).
type limiter struct {
	mu    sync.Mutex
	cond  *sync.Cond
	cap   int
	inUse int
}

func newLimiter(n int) *limiter {
	l := &limiter{cap: n}
	l.cond = sync.NewCond(&l.mu)
	return l
}

func (l *limiter) acquire() {
	l.mu.Lock()
	for l.inUse >= l.cap {
		l.cond.Wait()
	}
	l.inUse++
	l.mu.Unlock()
}

func (l *limiter) release() {
	l.mu.Lock()
	l.inUse--
	l.cond.Broadcast()
	l.mu.Unlock()
}

func (l *limiter) shrink() {
	l.mu.Lock()
	if l.cap > 1 {
		l.cap--
	}
	l.mu.Unlock()
}

func (l *limiter) capacity() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cap
}

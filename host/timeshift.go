package host

import (
	"context"
	"math"
	"time"
)

// roundTimeShift is ftputil's rounding to 15-minute units, half away from
// zero in magnitude.
func roundTimeShift(ts float64) float64 {
	if ts == 0 {
		return 0
	}
	sign := 1.0
	if ts < 0 {
		sign = -1
	}
	return sign * math.Trunc((math.Abs(ts)+450)/900) * 900
}

// checkTimeShift applies ftputil's bounds: at most a day, and within
// 5 minutes of a 15-minute unit.
func checkTimeShift(ts float64) (float64, error) {
	r := roundTimeShift(ts)
	if math.Abs(r) > 86400 {
		return 0, newError(TimeShiftError, "", "time shift abs(%.2f s) > 1 day", ts)
	}
	if math.Abs(ts-r) > 300 {
		return 0, newError(TimeShiftError, "", "time shift (%.2f s) deviates more than 300 s from 15-minute units", ts)
	}
	return r, nil
}

// SetTimeShift sets the time shift: the server's listing time minus UTC,
// in seconds, rounded to 15 minutes. A changed value clears the stat
// cache. More than a day, or more than 5 minutes off a 15-minute unit, is
// a TimeShiftError.
func (h *Host) SetTimeShift(ts float64) error {
	r, err := checkTimeShift(ts)
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if ts != h.timeShift {
		h.cache.Clear()
		h.timeShift = r
	}
	return nil
}

// TimeShift returns the time shift in seconds.
func (h *Host) TimeShift() float64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.timeShift
}

const syncFile = "_ftputil_sync_"

// SynchronizeTimes sets the time shift from the listed time of a file it
// writes into the current directory and removes again (ftputil's
// algorithm, but measured from the listing's own time, so that a shift
// set before does not distort it). It needs write permission there.
func (h *Host) SynchronizeTimes(ctx context.Context) error {
	cwd := h.Getcwd()
	if err := h.storeEmpty(ctx, Join(cwd, syncFile)); err != nil {
		e := newError(TimeShiftError, cwd, "couldn't write helper file in directory '%s'", cwd)
		e.Err = err
		return e
	}
	h.mu.Lock()
	abs := Join(cwd, syncFile)
	h.cache.Invalidate(abs)
	st, err := h.stat(ctx, abs)
	h.mu.Unlock()
	if err != nil {
		return err
	}
	if err := h.Remove(ctx, abs); err != nil {
		e := newError(TimeShiftError, abs, "could write helper file but not unlink it")
		e.Err = err
		return e
	}
	// The listing time itself: the parser took the current shift off.
	// (ftputil uses the corrected time, which is right only while the
	// shift is still 0.)
	serverTime := st.Mtime + h.TimeShift()
	ts := serverTime - float64(h.now().UnixNano())/1e9
	if ts < -360*86400 {
		// the server is ahead and the parser took last year (ftputil #55)
		t := time.Unix(0, int64(serverTime*1e9)).UTC()
		serverTime = float64(t.AddDate(1, 0, 0).UnixNano()) / 1e9
		ts = serverTime - float64(h.now().UnixNano())/1e9
	}
	return h.SetTimeShift(ts)
}

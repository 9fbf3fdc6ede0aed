package parse_test

import (
	"errors"
	"math/rand"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/ftplua/ftplua/parse"
)

var refNow = time.Date(2022, 6, 15, 12, 0, 0, 0, time.UTC) // ftputil-reference.md section 6.7

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

func TestParseUnixMode(t *testing.T) {
	tests := []struct {
		in   string
		want uint32
		err  string
	}{
		// As ftputil (ftputil-reference.md 6.7).
		{"-rw-r--r--", 0o100644, ""},
		{"drwxr-sr-x", 0o42755, ""},
		{"lrwxrwxrwx", 0o120777, ""},
		{"----------", 0o100000, ""},
		{"-rwsr-sr-x", 0o106755, ""},
		{"crw-rw-rw-", 0o20666, ""},
		{"brw-rw----", 0o60660, ""},
		{"prw-r--r--", 0o10644, ""},
		{"srwxrwxrwx", 0o140777, ""},
		{"?---------", 0, ""},
		{"drwxr-sr-", 0, "invalid mode string 'drwxr-sr-'"},
		{"xrwxr-sr-x", 0, "unknown file type character 'x'"},
		{"", 0, "invalid mode string ''"},
		// ls's S, T, t (ftputil: 0o100755 for -rwSr-Sr-T).
		{"-rwSr-Sr-T", 0o107644, ""},
		{"drwxrwxrwt", 0o41777, ""},
		{"drwxrwx--T", 0o41770, ""},
		{"---s--s--t", 0o107111, ""},
		{"-rw-r-lr--", 0o102644, ""}, // Solaris mandatory locking
		// ACL, SELinux, xattr marks.
		{"-rw-r--r--+", 0o100644, ""},
		{"drwxr-xr-x.", 0o40755, ""},
		{"-rw-r--r--@", 0o100644, ""},
		{"-rw-r--r--#", 0, "invalid mode string '-rw-r--r--#'"},
		// Go's io/fs.FileMode.String, as ftpserverlib prints it.
		{"Lrwxrwxrwx", 0o120777, ""},
		{"dtrwxrwxrwx", 0o41777, ""},
		{"dgrwxrwxr-x", 0o42775, ""},
		{"urwxr-xr-x", 0o104755, ""},
		{"grw-r--r--", 0o102644, ""},
		{"trw-r--r--", 0o101644, ""},
		{"Drw-rw----", 0o60660, ""},
		{"Dcrw-rw-rw-", 0o20666, ""},
		{"Srwxr-xr-x", 0o140755, ""},
		{"ugt---------", 0o107000, ""},
		{"dalTLDpSugct?rwxrwxrwx", 0o7777, ""},                  // every letter: "?" (type 0) comes last
		{"tdrwxrwxrwx", 0, "invalid mode string 'tdrwxrwxrwx'"}, // out of Go's order
		{"grwsrwxrwx", 0, "unknown file type character 'g'"},    // Go never prints "s"
	}
	for _, tt := range tests {
		got, err := parse.ParseUnixMode(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err || !errors.Is(err, parse.ErrParse) {
				t.Errorf("ParseUnixMode(%q) = %o, %v; want error %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseUnixMode(%q) = %o, %v; want %o", tt.in, got, err, tt.want)
		}
	}
}

func TestParseUnixTime(t *testing.T) {
	type tc struct {
		month, day, yot string
		shift           float64
		now             time.Time
		mtime, prec     float64
		err             string
	}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	unix := func(s string) float64 { return float64(at(s).Unix()) }
	tests := []tc{
		// ftputil-reference.md 6.7 (ftputil's own results).
		{"Dec", "19", "23:11", 0, refNow, unix("2021-12-19T23:11:00Z"), 60, ""},
		{"May", "4", "2000", 0, refNow, unix("2000-05-04T00:00:00Z"), 86400, ""},
		{"Jun", "15", "12:02", 0, refNow, unix("2022-06-15T12:02:00Z"), 60, ""},
		{"Jun", "15", "12:03", 0, refNow, unix("2021-06-15T12:03:00Z"), 60, ""},
		{"Mar", "01", "00:00", 10800, refNow, unix("2022-02-28T21:00:00Z"), 60, ""},
		{"Jun", "15", "2021", 3600, refNow, unix("2021-06-14T23:00:00Z"), 86400, ""},
		{"Dec", "31", "1969", 0, refNow, 0, 0, ""}, // pre-epoch: 0, precision unknown
		{"Jan", "1", "1970", 0, refNow, 0, 86400, ""},
		{"jun", "15", "2021", 0, refNow, unix("2021-06-15T00:00:00Z"), 86400, ""},
		{"June", "15", "2021", 0, refNow, 0, 0, "invalid month abbreviation 'June'"},
		{"May", "32", "2000", 0, refNow, 0, 0, "invalid datetime '2000-05-32 00:00:00'"},
		{"Dec", "19", "24:00", 0, refNow, 0, 0, "invalid datetime '2022-12-19 24:00:00'"},
		{"Jun", "15", "99999", 0, refNow, 0, 0, "invalid datetime '99999-06-15 00:00:00'"},
		{"May", "ab", "2000", 0, refNow, 0, 0, "non-integer day value 'ab'"},
		{"Dec", "19", "ab:11", 0, refNow, 0, 0, "non-integer hour value 'ab'"},
		{"Jan", "01", "00:30", 10800, at("2024-12-31T23:00:00Z"), unix("2024-12-31T21:30:00Z"), 60, ""},
		{"Dec", "31", "20:30", -18000, at("2025-01-01T01:00:00Z"), unix("2024-01-01T01:30:00Z"), 60, ""},
		// Our fixes: HH:MM:SS is a ParserError; Feb 29 parses in any year.
		{"Jun", "15", "10:00:00", 0, refNow, 0, 0, "invalid time '10:00:00'"},
		{"Feb", "29", "10:00", 0, refNow, unix("2020-02-29T10:00:00Z"), 60, ""},
		{"Feb", "29", "10:00", 0, at("2024-01-10T00:00:00Z"), unix("2020-02-29T10:00:00Z"), 60, ""},
		{"Feb", "29", "10:00", 0, at("2024-02-29T09:58:30Z"), unix("2024-02-29T10:00:00Z"), 60, ""},
		{"Feb", "29", "10:01", 0, at("2024-02-29T09:58:30Z"), unix("2020-02-29T10:01:00Z"), 60, ""},
		{"Feb", "29", "10:00", 0, at("2100-06-01T00:00:00Z"), unix("2096-02-29T10:00:00Z"), 60, ""},
		{"Feb", "29", "24:00", 0, refNow, 0, 0, "invalid datetime '2022-02-29 24:00:00'"},
		{"Feb", "30", "10:00", 0, refNow, 0, 0, "invalid datetime '2022-02-30 10:00:00'"},
		// A fractional shift is subtracted to the microsecond, as timedelta does.
		{"Jun", "15", "12:00", 0.5, refNow, unix("2022-06-15T12:00:00Z") - 0.5, 60, ""},
	}
	for _, tt := range tests {
		mtime, prec, err := parse.ParseUnixTime(tt.month, tt.day, tt.yot, tt.shift, tt.now)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("ParseUnixTime(%q, %q, %q, %v, %v) = %v, %v, %v; want error %q", tt.month, tt.day, tt.yot, tt.shift, tt.now, mtime, prec, err, tt.err)
			}
			continue
		}
		if err != nil || mtime != tt.mtime || prec != tt.prec {
			t.Errorf("ParseUnixTime(%q, %q, %q, %v, %v) = %v (%v), %v, %v; want %v (%v), %v",
				tt.month, tt.day, tt.yot, tt.shift, tt.now, mtime, time.Unix(int64(mtime), 0).UTC(), prec, err,
				tt.mtime, time.Unix(int64(tt.mtime), 0).UTC(), tt.prec)
		}
	}
}

func TestParseMSTime(t *testing.T) {
	tests := []struct {
		date, tm    string
		shift       float64
		mtime, prec float64
		err         string
	}{
		// ftputil-reference.md 6.7.
		{"07-27-01", "11:16AM", 0, 996232560, 60, ""},
		{"07-17-09", "12:08AM", 0, 1247789280, 60, ""},
		{"07-17-09", "12:08PM", 0, 1247832480, 60, ""},
		{"10-19-2012", "03:13PM", 0, 1350659580, 60, ""},
		{"10-19-1968", "03:13PM", 0, 0, 0, ""},
		{"01-01-69", "00:00AM", 0, 3124224000, 60, ""},
		{"01-01-70", "00:00AM", 0, 0, 60, ""},
		{"07-17-00", "02:08PM", 3600, 963839280, 60, ""},
		{"07-17-00", "02:08XM", 0, 963799680, 60, ""},
		{"07-17-00", "02:08", 0, 0, 0, "invalid time string '02:08'"},
		{"07-17-ab", "02:08AM", 0, 0, 0, "non-integer year/month/day value 'ab'"},
		{"07-17-00", "14:08PM", 0, 0, 0, "invalid datetime '2000-07-17 26:08:00'"},
		{"07-17-00", "2:08PM", 0, 0, 0, "non-integer hour value '2:'"},
		{"2000-07-17", "02:08PM", 0, 0, 0, "invalid datetime '2017-2000-07 14:08:00'"},
		// ftputil raises a plain ValueError here.
		{"07-17", "02:08PM", 0, 0, 0, "invalid date '07-17'"},
	}
	for _, tt := range tests {
		mtime, prec, err := parse.ParseMSTime(tt.date, tt.tm, tt.shift)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("ParseMSTime(%q, %q) = %v, %v, %v; want error %q", tt.date, tt.tm, mtime, prec, err, tt.err)
			}
			continue
		}
		if err != nil || mtime != tt.mtime || prec != tt.prec {
			t.Errorf("ParseMSTime(%q, %q, %v) = %v, %v, %v; want %v, %v", tt.date, tt.tm, tt.shift, mtime, prec, err, tt.mtime, tt.prec)
		}
	}
}

func TestIgnoresLine(t *testing.T) {
	for line, want := range map[string]bool{
		"": true, "   ": true, "\t\r": true, "\u3000": true,
		"total 14": true, "total\t3": true, "total 12 more": true, "total  ٣": true,
		"total": false, "total x": false, " total 1": false, "Total 1": false, "totals 1": false,
		"-rw-r--r-- 1 o g 1 Jun 15 2021 a": false,
	} {
		if got := parse.IgnoresLine(line); got != want {
			t.Errorf("IgnoresLine(%q) = %v, want %v", line, got, want)
		}
		for _, p := range []parse.Parser{parse.Unix{}, parse.MS{}} {
			if got := p.IgnoresLine(line); got != want {
				t.Errorf("%T.IgnoresLine(%q) = %v, want %v", p, line, got, want)
			}
		}
	}
	if (parse.MLSD{}).IgnoresLine("total 5") || !(parse.MLSD{}).IgnoresLine(" ") {
		t.Error("MLSD ignores blank lines only")
	}
}

// TestUnixServers checks every field of one line per server family.
func TestUnixServers(t *testing.T) {
	now := time.Date(2026, 11, 26, 20, 22, 52, 0, time.UTC)
	p := parse.Unix{Now: fixedClock(now)}
	tests := []struct {
		server, line string
		want         parse.StatResult
	}{
		{"vsftpd", "lrwxrwxrwx    1 1001     1001            6 Nov 26 11:45 dirlink -> subdir", parse.StatResult{
			Mode: 0o120777, Nlink: 1, UID: "1001", GID: "1001", Size: 6, Mtime: 1795693500, Name: "dirlink", Target: "subdir", MtimePrecision: 60,
			Valid: parse.HasMode | parse.HasNlink | parse.HasUID | parse.HasGID | parse.HasSize | parse.HasMtime | parse.HasTarget | parse.HasPrecision}},
		{"proftpd", "-rw-r--r--   1 ftptest  ftptest         6 Jan  2  2020 file.txt", parse.StatResult{
			Mode: 0o100644, Nlink: 1, UID: "ftptest", GID: "ftptest", Size: 6, Mtime: 1577923200, Name: "file.txt", MtimePrecision: 86400,
			Valid: parse.HasMode | parse.HasNlink | parse.HasUID | parse.HasGID | parse.HasSize | parse.HasMtime | parse.HasPrecision}},
		{"pure-ftpd", "drwxr-xr-x    2 1001       ftptest          4096 Mar  4  2015 olddir", parse.StatResult{
			Mode: 0o40755, Nlink: 2, UID: "1001", GID: "ftptest", Size: 4096, Mtime: 1425427200, Name: "olddir", MtimePrecision: 86400,
			Valid: parse.HasMode | parse.HasNlink | parse.HasUID | parse.HasGID | parse.HasSize | parse.HasMtime | parse.HasPrecision}},
		{"pyftpdlib", "-rw-r--r--   1 ftptest  ftptest         7 Nov 26 11:45 .hidden", parse.StatResult{
			Mode: 0o100644, Nlink: 1, UID: "ftptest", GID: "ftptest", Size: 7, Mtime: 1795693500, Name: ".hidden", MtimePrecision: 60,
			Valid: parse.HasMode | parse.HasNlink | parse.HasUID | parse.HasGID | parse.HasSize | parse.HasMtime | parse.HasPrecision}},
		{"busybox", "crw-r--r--    1 root     root        1,   3 Nov 26 20:22 chardev", parse.StatResult{
			Mode: 0o20644, Nlink: 1, UID: "root", GID: "root", Size: 0, Mtime: 1795724520, Name: "chardev", MtimePrecision: 60,
			Valid: parse.HasMode | parse.HasNlink | parse.HasUID | parse.HasGID | parse.HasSize | parse.HasMtime | parse.HasPrecision}},
		{"IIS unix style", "d---------   1 owner    group               0 Nov  9 19:45 Softlib", parse.StatResult{
			Mode: 0o40000, Nlink: 1, UID: "owner", GID: "group", Size: 0, Mtime: 1794253500, Name: "Softlib", MtimePrecision: 60,
			Valid: parse.HasMode | parse.HasNlink | parse.HasUID | parse.HasGID | parse.HasSize | parse.HasMtime | parse.HasPrecision}},
		{"ftpserverlib", "Lrwxrwxrwx 1 ftp ftp            7 Nov 26 20:22 broken", parse.StatResult{
			Mode: 0o120777, Nlink: 1, UID: "ftp", GID: "ftp", Size: 7, Mtime: 1795724520, Name: "broken", MtimePrecision: 60,
			Valid: parse.HasMode | parse.HasNlink | parse.HasUID | parse.HasGID | parse.HasSize | parse.HasMtime | parse.HasPrecision}},
		{"no user column", "drwxr-sr-x   2   200           512 May  4  2000 alt format (no user)", parse.StatResult{
			Mode: 0o42755, Nlink: 2, GID: "200", Size: 512, Mtime: 957398400, Name: "alt format (no user)", MtimePrecision: 86400,
			Valid: parse.HasMode | parse.HasNlink | parse.HasGID | parse.HasSize | parse.HasMtime | parse.HasPrecision}},
	}
	for _, tt := range tests {
		got, err := p.ParseLine(tt.line, 0)
		if err != nil || got != tt.want {
			t.Errorf("%s: ParseLine(%q) =\n %+v, %v\nwant\n %+v", tt.server, tt.line, got, err, tt.want)
		}
	}
}

func TestMS(t *testing.T) {
	got, err := parse.MS{}.ParseLine("05-22-97  12:08AM                  5000000000 10 years and under", 0)
	want := parse.StatResult{Mode: 0o100400, Size: 5000000000, Mtime: 864259680, MtimePrecision: 60, Name: "10 years and under",
		Valid: parse.HasMode | parse.HasSize | parse.HasMtime | parse.HasPrecision}
	if err != nil || got != want {
		t.Errorf("got %+v, %v; want %+v", got, err, want)
	}
	got, err = parse.MS{}.ParseLine("12-03-96  06:38PM       <DIR>           10 years and under", 0)
	want = parse.StatResult{Mode: 0o40400, Mtime: 849638280, MtimePrecision: 60, Name: "10 years and under",
		Valid: parse.HasMode | parse.HasMtime | parse.HasPrecision}
	if err != nil || got != want {
		t.Errorf("got %+v, %v; want %+v", got, err, want)
	}
}

// TestResultsShareLine checks that the strings of a result point into the
// line rather than being copies.
func TestResultsShareLine(t *testing.T) {
	inside := func(line, s string) bool {
		if s == "" {
			return true
		}
		b, p := uintptr(unsafe.Pointer(unsafe.StringData(line))), uintptr(unsafe.Pointer(unsafe.StringData(s)))
		return p >= b && p+uintptr(len(s)) <= b+uintptr(len(line))
	}
	line := strings.Clone("lrwxrwxrwx   1 ftp      ftp            14 Mar 10 09:15 link -> /abs/target")
	r, err := parse.Unix{Now: fixedClock(refNow)}.ParseLine(line, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{r.Name, r.Target, r.UID, r.GID} {
		if !inside(line, s) {
			t.Errorf("%q is a copy", s)
		}
	}
	line = strings.Clone("type=OS.unix=slink:/t;perm=r;unique=u1;UNIX.uid=0;UNIX.gid=1; name")
	r, err = parse.MLSD{}.ParseLine(line, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{r.Name, r.Target, r.UID, r.GID, r.Perm, r.Unique, r.Type} {
		if !inside(line, s) {
			t.Errorf("%q is a copy", s)
		}
	}
}

func TestNoAllocs(t *testing.T) {
	unix := parse.Unix{Now: fixedClock(refNow)}
	for name, f := range map[string]func(){
		"unix HH:MM": func() { unix.ParseLine("-rw-r--r--   1 45854    200          4604 Dec 19 23:11 index.html", 0) },
		"unix year":  func() { unix.ParseLine("lrwxrwxrwx   2 45854    200           512 May 29  2000 osup -> ../os2", 0) },
		"ms":         func() { parse.MS{}.ParseLine("07-17-00  02:08PM             12266720 test.exe", 0) },
		"mlsd": func() {
			parse.MLSD{}.ParseLine("modify=20200102030405;perm=adfrw;size=6;type=file;unique=FE00U9846D1;UNIX.group=1001;UNIX.groupname=ftptest;UNIX.mode=0644;UNIX.owner=1001;UNIX.ownername=ftptest; file.txt", 0)
		},
	} {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s: %v allocations per line", name, n)
		}
	}
}

func TestErrors(t *testing.T) {
	for _, tt := range []struct {
		p    parse.Parser
		line string
		msg  string
	}{
		{parse.Unix{}, "total", "line 'total' can't be parsed"},
		{parse.Unix{}, "-rwxr-sr-x   2 45854    200           51x May  4  2000 badsize", "invalid size '51x'"},
		{parse.Unix{}, "drwxr-xr-x   x user group 4096 Jun 15  2021 nlink_not_int", "invalid link count 'x'"},
		{parse.Unix{}, "-rw-r--r--   1 o g 1 Jun 15  2021 a\x00b", "line contains a NUL byte"},
		{parse.Unix{}, "-rw-r--r--   1 o g 1 Jun 15  2021 a\nb", "line contains a line feed"},
		{parse.MS{}, "07-17-00  02:08AM           1226672x test.exe", "invalid size 1226672x"},
		{parse.MS{}, "07-17-00  02:08AM           12 a\x00b", "line contains a NUL byte"},
		{parse.MLSD{}, "type=file;size=x; a", "invalid size 'x'"},
		{parse.MLSD{}, "type=file;size=1;", "missing space before the name"},
	} {
		_, err := tt.p.ParseLine(tt.line, 0)
		var pe *parse.Error
		if !errors.As(err, &pe) || !errors.Is(err, parse.ErrParse) || pe.Line != tt.line || pe.Msg != tt.msg {
			t.Errorf("%T.ParseLine(%q) error = %#v, want *Error{Line, Msg: %q}", tt.p, tt.line, err, tt.msg)
		}
	}
	if _, _, err := parse.ParseUnixTime("Jun", "15", "2021", 1e300, refNow); err == nil {
		t.Error("an absurd time shift is not an error")
	}
}

func TestParseMLSTReply(t *testing.T) {
	replies := map[string]string{
		"proftpd":              "250-Start of list for zoo/file.txt\r\n modify=20200102030405;perm=adfrw;size=6;type=file;unique=FE00U9846D1;UNIX.group=1001;UNIX.groupname=ftptest;UNIX.mode=0644;UNIX.owner=1001;UNIX.ownername=ftptest; /zoo/file.txt\r\n250 End of list\r\n",
		"pure-ftpd":            "250-Begin\n type=file;size=6;modify=20200102030405;UNIX.mode=0644;UNIX.uid=1001;UNIX.gid=1001;unique=fe00g98470e; /zoo/file.txt\n250 End.",
		"pyftpdlib":            "250-Listing \"/zoo/file.txt\":\r\n modify=20200102030405;perm=radfwMT;size=6;type=file;unique=fe00g98474b; /zoo/file.txt\r\n250 End MLST.",
		"entry line":           " Type=file;Size=6;Modify=20200102030405; /zoo/file.txt",
		"no lead space":        "Type=file;Size=6;Modify=20200102030405; /zoo/file.txt",
		"reply, no lead space": "250-Listing /zoo/file.txt\r\nType=file;Size=6;Modify=20200102030405; /zoo/file.txt\r\n250 End\r\n",
	}
	for server, reply := range replies {
		r, err := parse.ParseMLST(reply)
		if err != nil {
			t.Errorf("%s: %v", server, err)
			continue
		}
		if r.Name != "/zoo/file.txt" || r.Size != 6 || r.Mtime != 1577934245 || r.MtimePrecision != 1 ||
			r.Mode&parse.ModeType != parse.ModeReg || r.Type != "file" {
			t.Errorf("%s: got %+v", server, r)
		}
	}
	if _, err := parse.ParseMLST("250-Begin\r\n250 End."); err == nil || !errors.Is(err, parse.ErrParse) {
		t.Errorf("reply without an entry: err = %v", err)
	}
}

func TestAuto(t *testing.T) {
	unixListing := []string{"total 2", "drwxr-xr-x   2 ftp ftp 4096 Jun 15  2021 dir", "-rw-r--r--   1 ftp ftp 12 Jun 15 10:00 file"}
	msListing := []string{"07-27-01  11:16AM       <DIR>          Test", "07-17-00  02:08PM             12266720 test.exe"}
	selinux := []string{"drwxrwxr-x. 2 root root 6 Jun 15  2021 d", "-rw-r--r--x 1 root root 0 Jun 15  2021 f"}
	clock := fixedClock(refNow)

	t.Run("unix fixes", func(t *testing.T) {
		a := &parse.Auto{Now: clock}
		res, err := a.ParseListing(unixListing, 0)
		if err != nil || len(res) != 2 || res[0].Name != "dir" || res[1].Name != "file" || !a.Fixed() {
			t.Fatalf("got %v, %v, fixed %v", res, err, a.Fixed())
		}
		if _, err := a.ParseListing(msListing, 0); err == nil {
			t.Fatal("an MS listing parsed after the choice was fixed on Unix")
		}
		if _, ok := a.Current().(parse.Unix); !ok {
			t.Fatalf("current %T", a.Current())
		}
	})
	t.Run("switch to ms", func(t *testing.T) {
		a := &parse.Auto{}
		res, err := a.ParseListing(msListing, 0)
		if err != nil || len(res) != 2 || res[0].Mode != 0o40400 || !a.Fixed() {
			t.Fatalf("got %v, %v", res, err)
		}
		if _, ok := a.Current().(parse.MS); !ok {
			t.Fatalf("current %T", a.Current())
		}
		if _, err := a.ParseListing(unixListing, 0); err == nil {
			t.Fatal("a Unix listing parsed after switching to MS")
		}
	})
	t.Run("empty listing keeps the choice open", func(t *testing.T) {
		a := &parse.Auto{}
		if res, err := a.ParseListing([]string{"total 0", ""}, 0); err != nil || len(res) != 0 || a.Fixed() {
			t.Fatalf("got %v, %v, fixed %v", res, err, a.Fixed())
		}
	})
	t.Run("both fail: not stuck", func(t *testing.T) {
		a := &parse.Auto{Now: clock}
		_, err := a.ParseListing(selinux, 0)
		var pe *parse.Error
		if !errors.As(err, &pe) || pe.Line != selinux[1] || pe.Msg != "invalid mode string '-rw-r--r--x'" {
			t.Fatalf("err = %#v, want Unix's error for the second line", err)
		}
		if _, ok := a.Current().(parse.Unix); !ok || a.Fixed() {
			t.Fatalf("after both failed: current %T, fixed %v (ftputil stays on MS for good)", a.Current(), a.Fixed())
		}
		if _, err := a.ParseListing(unixListing, 0); err != nil || !a.Fixed() {
			t.Fatalf("a later Unix listing: %v", err)
		}
	})
	t.Run("both fail, then ms", func(t *testing.T) {
		a := &parse.Auto{}
		a.ParseListing(selinux, 0)
		if _, err := a.ParseListing(msListing, 0); err != nil {
			t.Fatal(err)
		}
		if _, ok := a.Current().(parse.MS); !ok {
			t.Fatalf("current %T", a.Current())
		}
	})
	t.Run("fix", func(t *testing.T) {
		a := &parse.Auto{}
		a.Fix()
		if _, err := a.ParseListing(msListing, 0); err == nil || !a.Fixed() {
			t.Fatal("Fix did not keep Unix")
		}
	})
	t.Run("parse line", func(t *testing.T) {
		a := &parse.Auto{}
		if r, err := a.ParseLine(msListing[1], 0); err != nil || r.Size != 12266720 || !a.Fixed() {
			t.Fatalf("got %+v, %v", r, err)
		}
	})
	t.Run("concurrent", func(t *testing.T) {
		a := &parse.Auto{Now: clock}
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := 0; j < 50; j++ {
					a.ParseListing(unixListing, 0)
					a.ParseListing(selinux, 0)
					a.Current()
					a.Fixed()
				}
			}()
		}
		wg.Wait()
		if _, ok := a.Current().(parse.Unix); !ok || !a.Fixed() {
			t.Fatalf("current %T fixed %v", a.Current(), a.Fixed())
		}
	})
}

// TestListingReadsClockOnce checks that a listing is placed against a single
// "now" (one clock read per listing), while ParseLine reads it per line.
func TestListingReadsClockOnce(t *testing.T) {
	calls := 0
	clock := func() time.Time { calls++; return refNow }
	lines := []string{"-rw-r--r-- 1 o g 1 Jun 15 10:00 a", "-rw-r--r-- 1 o g 1 Jun 14 10:00 b", "-rw-r--r-- 1 o g 1 Jun 14 2020 c"}
	if _, err := parse.ParseListing(parse.Unix{Now: clock}, lines, 0); err != nil || calls != 1 {
		t.Fatalf("ParseListing: %v, %d clock reads", err, calls)
	}
	calls = 0
	a := &parse.Auto{Now: clock}
	if _, err := a.ParseListing(lines, 0); err != nil || calls != 1 {
		t.Fatalf("Auto.ParseListing: %v, %d clock reads", err, calls)
	}
	calls = 0
	for _, l := range lines {
		parse.Unix{Now: clock}.ParseLine(l, 0)
	}
	if calls != 2 { // the year line needs no clock
		t.Fatalf("ParseLine: %d clock reads", calls)
	}
}

// TestCalendar checks the calendar arithmetic against package time.
func TestCalendar(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	months := []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
	for i := 0; i < 20000; i++ {
		y := 1 + rng.Intn(9999)
		if i%2 == 0 {
			y = 1850 + rng.Intn(400)
		}
		m := 1 + rng.Intn(12)
		d := 1 + rng.Intn(31)
		want := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
		mtime, _, err := parse.ParseUnixTime(months[m-1], strconv.Itoa(d), strconv.Itoa(y), 0, refNow)
		if want.Day() != d { // no such day
			if err == nil {
				t.Fatalf("%d-%d-%d accepted", y, m, d)
			}
			continue
		}
		wantS := float64(want.Unix())
		if wantS < 0 {
			wantS = 0
		}
		if err != nil || mtime != wantS {
			t.Fatalf("%d-%d-%d: got %v, %v; want %v", y, m, d, mtime, err, wantS)
		}
	}
}

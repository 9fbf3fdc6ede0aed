package parse_test

import (
	"fmt"
	"time"

	"github.com/ftplua/ftplua/parse"
)

func ExampleUnix_ParseLine() {
	p := parse.Unix{Now: func() time.Time { return time.Date(2022, 6, 15, 12, 0, 0, 0, time.UTC) }}
	r, err := p.ParseLine("lrwxrwxrwx   1 ftp      ftp            14 Mar 10 09:15 link -> /abs/target", 0)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s -> %s mode=%o size=%d mtime=%s precision=%gs\n", r.Name, r.Target, r.Mode, r.Size,
		time.Unix(int64(r.Mtime), 0).UTC().Format(time.RFC3339), r.MtimePrecision)

	_, err = p.ParseLine("drwxr-xr-x   2 user group 4096 2021-06-15 12:00 iso_date_ls", 0)
	fmt.Println(err)
	// Output:
	// link -> /abs/target mode=120777 size=14 mtime=2022-03-10T09:15:00Z precision=60s
	// not enough values to unpack (expected 9, got 8)
}

func ExampleAuto_ParseListing() {
	var a parse.Auto
	entries, err := a.ParseListing([]string{
		"10-23-01  03:25PM       <DIR>          WindowsXP",
		"07-17-00  02:08PM             12266720 abcd.exe",
	}, 0)
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		fmt.Printf("%s %o %d\n", e.Name, e.Mode, e.Size)
	}
	fmt.Printf("%T fixed=%v\n", a.Current(), a.Fixed())
	// Output:
	// WindowsXP 40400 0
	// abcd.exe 100400 12266720
	// parse.MS fixed=true
}

func ExampleParseMLST() {
	r, err := parse.ParseMLST("250-Start of list for file.txt\r\n" +
		" modify=20200102030405;perm=adfrw;size=6;type=file;UNIX.mode=0644;UNIX.owner=1001;UNIX.group=1001; /file.txt\r\n" +
		"250 End of list\r\n")
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Name, r.Type, r.Size, r.Perm, time.Unix(int64(r.Mtime), 0).UTC().Format(time.RFC3339), r.MtimePrecision)
	// Output:
	// /file.txt file 6 adfrw 2020-01-02T03:04:05Z 1
}

func ExampleParseUnixMode() {
	for _, s := range []string{"drwxr-xr-x", "-rwSr-Sr-T", "drwxr-xr-x.", "Lrwxrwxrwx"} {
		m, err := parse.ParseUnixMode(s)
		fmt.Printf("%s %o %v\n", s, m, err)
	}
	// Output:
	// drwxr-xr-x 40755 <nil>
	// -rwSr-Sr-T 107644 <nil>
	// drwxr-xr-x. 40755 <nil>
	// Lrwxrwxrwx 120777 <nil>
}

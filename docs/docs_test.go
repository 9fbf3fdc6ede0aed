package docs

import (
	"strings"
	"testing"
)

func TestHeadingsAndSections(t *testing.T) {
	p := Page{Name: "x.md", Text: "# Title\n\nintro\n\n## `host:listdir(path)`\n\ntext\n\n" +
		"```sh\n# not a heading\n```\n\n### Sub\n\nmore\n\n## Next one\n\n## Next one\n"}
	hs := Headings(p.Text)
	var got []string
	for _, h := range hs {
		got = append(got, strings.Repeat("#", h.Level)+" "+h.Text+" @"+h.Slug)
	}
	want := "# Title @title|## `host:listdir(path)` @hostlistdirpath|### Sub @sub|## Next one @next-one|## Next one @next-one-1"
	if strings.Join(got, "|") != want {
		t.Errorf("headings:\n%s\nwant:\n%s", strings.Join(got, "|"), want)
	}
	if s := p.Section(hs[1]); s != "## `host:listdir(path)`\n\ntext\n\n```sh\n# not a heading\n```\n\n### Sub\n\nmore\n" {
		t.Errorf("section: %q", s)
	}
	for in, want := range map[string]string{
		"Time zones and the time shift":   "time-zones-and-the-time-shift",
		"`ftputil.connect(url_or_opts)`":  "ftputilconnecturl_or_opts",
		"[Links](x.md) are text":          "links-are-text",
		"Connection limits (421)":         "connection-limits-421",
		"tour.lua: a first look":          "tourlua-a-first-look",
		"`localfs.walk(top [, opts])`":    "localfswalktop--opts",
		"Café, naïve":                     "café-naïve",
		"`host.stat_cache:clear()`, more": "hoststat_cacheclear-more",
	} {
		if got := Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
}

// Lookup finds a name's section whichever way a script writer spells it.
func TestLookup(t *testing.T) {
	for name, want := range map[string]string{
		"ftputil.connect":       "reference/module.md ## `ftputil.connect(",
		"connect()":             "reference/module.md ## `ftputil.connect(",
		"getting-started":       "getting-started.md # Getting started",
		"Getting started":       "getting-started.md # Getting started",
		"troubleshooting":       "troubleshooting.md # Troubleshooting",
		"the debug transcript":  "troubleshooting.md ## The debug transcript",
		"reference/host":        "reference/host.md # ",
		"`host:listdir(path)`":  "reference/host.md ### `host:listdir(",
		"listdir":               "reference/host.md ### `host:listdir(",
		"host.listdir":          "reference/host.md ### `host:listdir(",
		"h:listdir":             "reference/host.md ### `host:listdir(",
		"localfs.walk":          "reference/module.md ### `localfs.walk(",
		"ftputil.localfs.walk":  "reference/module.md ### `localfs.walk(",
		"walk":                  "reference/host.md ### `host:walk(",
		"sync_plan":             "reference/sync.md ## `host:sync_plan(",
		"host:sync_plan":        "reference/sync.md ## `host:sync_plan(",
		"apply":                 "reference/sync.md ## `host:apply(",
		"sync":                  "reference/sync.md # Sync",
		"no_such_name_anywhere": "",
		"":                      "",
	} {
		page, section, ok := Lookup(name)
		got := ""
		if ok {
			got = page + " " + section
		}
		if !strings.HasPrefix(got, want) || (want == "") != !ok {
			t.Errorf("Lookup(%q) = %.80q, want %q...", name, got, want)
		}
	}
}

// Package docs holds the ftplua manual: the Markdown pages of this folder
// and of reference/, embedded so that the ftplua command can show them
// (help() at the prompt, help("listdir"), help(host.listdir)).
//
// Every Lua example in the pages is run by manual_test.go against the
// built-in server (and against vsftpd where an example asks for it), its
// output compared with the output block shown under it.
package docs

import (
	"embed"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

//go:embed *.md reference/*.md
var files embed.FS

// Page is one page of the manual.
type Page struct {
	Name  string // path in docs/, slash separated: "getting-started.md", "reference/host.md"
	Title string // the text of its first level-1 heading
	Text  string
}

// order is the reading order of the pages; pages not named here follow in
// name order.
var order = []string{
	"README.md", "getting-started.md",
	"reference/module.md", "reference/host.md", "reference/path.md",
	"reference/stat.md", "reference/files.md", "reference/stat-cache.md",
	"reference/parsers.md", "reference/errors.md", "reference/local-server.md",
	"reference/sync.md", "reference/transfers.md",
	"coming-from-ftputil.md", "embedding.md", "cookbook.md", "troubleshooting.md",
}

// Pages returns the pages in reading order.
func Pages() []Page {
	var pages []Page
	fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".md" {
			return nil
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return nil
		}
		text := string(b)
		title := strings.TrimSuffix(path.Base(p), ".md")
		for _, h := range Headings(text) {
			if h.Level == 1 {
				title = h.Text
				break
			}
		}
		pages = append(pages, Page{Name: p, Title: title, Text: text})
		return nil
	})
	rank := func(name string) int {
		for i, n := range order {
			if n == name {
				return i
			}
		}
		return len(order)
	}
	sort.SliceStable(pages, func(i, j int) bool {
		ri, rj := rank(pages[i].Name), rank(pages[j].Name)
		if ri != rj {
			return ri < rj
		}
		return pages[i].Name < pages[j].Name
	})
	return pages
}

// Heading is a Markdown heading of a page (outside code blocks).
type Heading struct {
	Level int
	Text  string // as written, without the #s
	Line  int    // 1-based line number
	Slug  string // the anchor GitHub gives it ("#" not included)
}

var fenceRE = regexp.MustCompile("^\\s*(```+|~~~+)")

// outsideCode calls fn with every line of a Markdown text that is neither
// in a fenced code block nor one of its fences, and its index (0-based).
func outsideCode(text string, fn func(i int, line string)) {
	fence := ""
	for i, line := range strings.Split(text, "\n") {
		if m := fenceRE.FindStringSubmatch(line); m != nil {
			switch {
			case fence == "":
				fence = m[1]
			case m[1][0] == fence[0] && len(m[1]) >= len(fence) && strings.TrimSpace(line) == m[1]:
				fence = ""
			}
			continue
		}
		if fence == "" {
			fn(i, line)
		}
	}
}

// Headings returns the ATX headings of a Markdown text, skipping fenced
// code blocks, with GitHub's anchors (duplicates numbered -1, -2, ...).
func Headings(text string) []Heading {
	var out []Heading
	seen := map[string]int{}
	outsideCode(text, func(i int, line string) {
		if !strings.HasPrefix(line, "#") {
			return
		}
		level := len(line) - len(strings.TrimLeft(line, "#"))
		if level > 6 || (len(line) > level && line[level] != ' ') {
			return
		}
		t := strings.TrimSpace(strings.TrimRight(strings.TrimSpace(line[level:]), "#"))
		slug := Slug(t)
		if n, ok := seen[slug]; ok {
			seen[slug] = n + 1
			slug = slug + "-" + strconv.Itoa(n+1)
		} else {
			seen[slug] = 0
		}
		out = append(out, Heading{Level: level, Text: t, Line: i + 1, Slug: slug})
	})
	return out
}

var linkTextRE = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)

// Slug is the anchor GitHub makes of a heading's text: lower case, links
// reduced to their text, punctuation dropped except - and _, spaces as -.
func Slug(heading string) string {
	heading = linkTextRE.ReplaceAllString(heading, "$1")
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_':
			b.WriteRune(r)
		case unicode.IsLetter(r), unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Section returns the part of page's text under heading h: the heading
// line and everything up to the next heading of the same or a higher
// level.
func (p Page) Section(h Heading) string {
	lines := strings.Split(p.Text, "\n")
	end := len(lines)
	for _, o := range Headings(p.Text) {
		if o.Line > h.Line && o.Level <= h.Level {
			end = o.Line - 1
			break
		}
	}
	return strings.TrimRight(strings.Join(lines[h.Line-1:end], "\n"), "\n") + "\n"
}

var (
	codeSpanRE = regexp.MustCompile("`([^`]*)`")
	nameRE     = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*(?:[.:][A-Za-z_][A-Za-z0-9_]*)*`)
)

// headingNames are the names a heading documents: the leading name of each
// code span in it ("`host:listdir(path)`, `host:stat(path)`" documents
// host:listdir and host:stat).
func headingNames(text string) []string {
	var names []string
	for _, m := range codeSpanRE.FindAllStringSubmatch(text, -1) {
		for _, part := range strings.Split(m[1], "/") {
			if n := nameRE.FindString(strings.TrimSpace(part)); n != "" {
				names = append(names, n)
			}
		}
	}
	return names
}

// components splits "host.stat_cache:clear" into host, stat_cache, clear.
func components(name string) []string {
	return strings.FieldsFunc(name, func(r rune) bool { return r == '.' || r == ':' })
}

// score says how well a documented name matches a wanted one: the number
// of trailing components they share, plus one when they are equal. 0 is
// no match (the last components differ).
func score(documented, wanted []string) int {
	n := 0
	for n < len(documented) && n < len(wanted) &&
		documented[len(documented)-1-n] == wanted[len(wanted)-1-n] {
		n++
	}
	if n > 0 && n == len(documented) && n == len(wanted) {
		n++
	}
	return n
}

// Lookup finds the section of the manual that documents name: a Lua name
// as a script writes it ("listdir", "host:listdir", "host.path.join",
// "ftputil.connect", "stat_cache:clear"; a trailing "(...)" is ignored),
// the title of a section ("Stat cache"), or a page ("troubleshooting").
// Reference pages win over the other chapters, and among names that match
// only in their last part, host methods and module functions come first.
// It returns the page and the section's text.
func Lookup(name string) (page, section string, ok bool) {
	name = strings.TrimSpace(strings.Trim(strings.TrimSpace(name), "`"))
	if i := strings.IndexByte(name, '('); i > 0 {
		name = name[:i]
	}
	if name == "" {
		return "", "", false
	}
	wanted := components(name)
	best, bestPage, bestSection := 0, "", ""
	consider := func(s int, p Page, text string) {
		if s > best {
			best, bestPage, bestSection = s, p.Name, text
		}
	}
	pages := Pages()
	for _, p := range pages {
		ref := 0
		if strings.HasPrefix(p.Name, "reference/") {
			ref = 1
		}
		for _, h := range Headings(p.Text) {
			for _, n := range headingNames(h.Text) {
				c := components(n)
				s := score(c, wanted)
				if s == 0 {
					continue
				}
				// weights: the match first, then reference pages, then the
				// owner of a name that matched only in its last part, then
				// a section over a page title naming several functions
				w := s*100 + ref*10
				if s == 1 && len(c) > 1 && (c[0] == "host" || c[0] == "ftputil") {
					w += 5
				}
				if h.Level > 1 {
					w++
				}
				consider(w, p, p.Section(h))
			}
			plain := strings.ToLower(strings.ReplaceAll(h.Text, "`", ""))
			switch {
			case strings.EqualFold(h.Text, name) || strings.EqualFold(h.Slug, Slug(name)):
				consider(50+ref*10, p, p.Section(h))
			case len(name) >= 4 && strings.Contains(plain, strings.ToLower(name)):
				consider(30+ref*10, p, p.Section(h))
			}
		}
		base := strings.TrimSuffix(path.Base(p.Name), ".md")
		if strings.EqualFold(base, name) || strings.EqualFold(base, strings.ReplaceAll(name, " ", "-")) ||
			strings.EqualFold(p.Name, name) || strings.EqualFold(strings.TrimSuffix(p.Name, ".md"), name) ||
			strings.EqualFold(p.Title, name) {
			consider(60+ref*10, p, p.Text)
		}
	}
	if best == 0 && nameRE.FindString(name) == name {
		// a name no heading documents, such as an option or an error
		// class: the innermost section that mentions it in code
		for _, p := range pages {
			if h, ok := mentionedIn(p, name); ok {
				ref := 0
				if strings.HasPrefix(p.Name, "reference/") {
					ref = 1
				}
				consider(20+ref*10, p, p.Section(h))
			}
		}
	}
	return bestPage, bestSection, best > 0
}

// mentionedIn finds the first place where page p names name in a code
// span (`name`, `name(...)`, `name = ...`) and returns the heading it
// stands under.
func mentionedIn(p Page, name string) (Heading, bool) {
	re := regexp.MustCompile("`" + regexp.QuoteMeta(name) + "([ (=:.,\\[][^`]*)?`")
	loc := re.FindStringIndex(p.Text)
	if loc == nil {
		return Heading{}, false
	}
	line := strings.Count(p.Text[:loc[0]], "\n") + 1
	var under Heading
	found := false
	for _, h := range Headings(p.Text) {
		if h.Line > line {
			break
		}
		under, found = h, true
	}
	return under, found
}

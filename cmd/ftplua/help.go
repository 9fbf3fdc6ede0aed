package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/ftplua/ftplua/docs"
	"github.com/ftplua/ftplua/luabind"
	lua "github.com/yuin/gopher-lua"
)

// help at the prompt shows the manual (docs/, embedded):
//
//	help()                   the pages, and how to ask for more
//	help("listdir")          the section documenting a name: "host:listdir",
//	                         "ftputil.connect", "host.path.join", ...
//	help("troubleshooting")  a page, or a section by its title
//	help(host.listdir)       the section of a function of the module
//	help(host)               the page of a module object (host, file, ...)
//	help("PermanentError")   the page of the error classes

// manualHint is where --help and help() send a reader.
const manualHint = `The manual: docs/README.md in the source (getting started, a reference
for every name, cookbook, troubleshooting); at the prompt, help() lists
its pages and help("listdir") or help(host.listdir) shows a section.
`

// objectPages are the pages of the module's objects, by the name their
// metatables give getmetatable.
var objectPages = map[string]string{
	"ftputil.host":         "reference/host.md",
	"ftputil.file":         "reference/files.md",
	"ftputil.stat_cache":   "reference/stat-cache.md",
	"ftputil.local_server": "reference/local-server.md",
	"ftputil.parser":       "reference/parsers.md",
	"ftputil.LocalHost":    "reference/sync.md",
}

// installHelp sets the global help, printing to w.
func installHelp(L *lua.LState, w io.Writer) {
	L.SetGlobal("help", L.NewFunction(func(L *lua.LState) int {
		if L.GetTop() == 0 {
			fmt.Fprint(w, helpIndex())
			return 0
		}
		fmt.Fprint(w, helpFor(L, L.Get(1)))
		return 0
	}))
}

// helpIndex lists the pages of the manual.
func helpIndex() string {
	var b strings.Builder
	b.WriteString("The ftplua manual. help(\"topic\") shows a page:\n")
	pages := docs.Pages()
	width := 0
	for _, p := range pages {
		if n := len(topic(p.Name)); n > width {
			width = n
		}
	}
	for _, p := range pages {
		fmt.Fprintf(&b, "  %-*s  %s\n", width+8, `help("`+topic(p.Name)+`")`, strings.ReplaceAll(p.Title, "`", ""))
	}
	b.WriteString("A name shows the section about it: help(\"listdir\"), help(\"host:listdir\"),\n" +
		"help(\"ftputil.connect\"), help(host.listdir), help(host).\n" +
		"The pages are docs/*.md in the source; docs/README.md is the contents.\n")
	return b.String()
}

// topic is what help() takes for a page: its name without ".md".
func topic(page string) string { return strings.TrimSuffix(page, ".md") }

// helpFor is the text help(v) prints.
func helpFor(L *lua.LState, v lua.LValue) string {
	switch v := v.(type) {
	case lua.LString:
		if isErrorClass(L, string(v)) {
			return section("reference/errors")
		}
		return section(string(v))
	case *lua.LFunction:
		if name, ok := luabind.FunctionName(L, v); ok {
			return section(name)
		}
		return "help: this function is not one of the ftputil module's (help() lists the manual's pages)\n"
	case *lua.LTable:
		if mod := L.GetGlobal("ftputil"); v == mod {
			return section("reference/module")
		}
		if _, ok := v.RawGetString("class").(lua.LString); ok {
			return section("reference/errors")
		}
		if name, ok := v.RawGetString("name").(lua.LString); ok && isErrorClass(L, string(name)) {
			return section("reference/errors")
		}
	case *lua.LUserData:
		if mt, ok := L.GetMetatable(v).(lua.LString); ok && objectPages[string(mt)] != "" {
			return section(topic(objectPages[string(mt)]))
		}
	}
	return fmt.Sprintf("help: no help for a %s value; try help() for the manual's pages, or help(\"name\")\n", v.Type())
}

// section is the manual's text about name, headed by where it comes from.
func section(name string) string {
	page, text, ok := docs.Lookup(name)
	if !ok {
		return fmt.Sprintf("help: nothing in the manual about %q; help() lists its pages\n", name)
	}
	return "(docs/" + page + ")\n\n" + text
}

// isErrorClass tells whether name is one of ftputil.error's classes: their
// page explains them together.
func isErrorClass(L *lua.LState, name string) bool {
	mod, ok := L.GetGlobal("ftputil").(*lua.LTable)
	if !ok {
		return false
	}
	classes, ok := mod.RawGetString("error").(*lua.LTable)
	return ok && classes.RawGetString(name) != lua.LNil
}

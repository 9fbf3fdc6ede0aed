module github.com/ftplua/ftplua

go 1.26.8

require (
	github.com/fclairamb/ftpserverlib v0.26.0
	github.com/jlaffaye/ftp v0.2.4
	github.com/spf13/afero v1.14.0
	golang.org/x/text v0.23.0
)

require (
	github.com/clipperhouse/uax29/v2 v2.7.0 // indirect
	github.com/fclairamb/go-log v0.5.0 // indirect
	github.com/hashicorp/golang-lru/v2 v2.0.7 // indirect
	github.com/mattn/go-runewidth v0.0.31 // indirect
	github.com/peterh/liner v1.2.3 // indirect
	github.com/yuin/gopher-lua v1.1.2 // indirect
	golang.org/x/sys v0.48.0 // indirect
	layeh.com/gopher-luar v1.0.11 // indirect
)

module github.com/ftplua/ftplua

go 1.26.8

require (
	github.com/fclairamb/ftpserverlib v0.26.0
	github.com/jlaffaye/ftp v0.2.4
	github.com/spf13/afero v1.14.0
	golang.org/x/text v0.23.0
)

require (
	github.com/fclairamb/go-log v0.5.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
)

package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/ftplua/ftplua/internal/localserver"
)

// TestTerminalSession runs the built ftplua on a real terminal (a tmux
// pane) as a person would: the password prompt without echo, the prompt,
// Tab completion, a progress bar, Ctrl-C cancelling an FTP operation that
// hangs and an unfinished chunk, Ctrl-D leaving, and the history file
// without the secrets typed. It needs tmux (Debian package tmux); without
// it the test is skipped, except under CI=true, where it fails.
func TestTerminalSession(t *testing.T) {
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tmux is not installed (apt-get install tmux); CI=true needs the terminal test")
		}
		t.Skip("tmux is not installed (apt-get install tmux)")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "ftplua")
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	const password = "Pw-0f-The-Day"
	srv, err := localserver.Start(localserver.Options{User: "ftptest", Password: password,
		Files: map[string]string{"pub/readme.txt": "hi\n"}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	slowHost, slowPort, _ := net.SplitHostPort(hangingServer(t))

	home := filepath.Join(dir, "home")
	os.Mkdir(home, 0o700)
	sock := filepath.Join(dir, "tmux.sock")
	url := "ftp://ftptest@" + srv.Addr() + "/"
	shell := "env -u FTPLUA_PASSWORD -u FTPLUA_HISTORY HOME=" + home + " NETRC=" + filepath.Join(dir, "no-netrc") +
		" " + bin + " --url " + url + "; echo EXIT=$?; sleep 60"
	tm := func(args ...string) string {
		out, err := exec.Command(tmux, append([]string{"-S", sock}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	tm("-f", "/dev/null", "new-session", "-d", "-x", "120", "-y", "50", shell)
	defer exec.Command(tmux, "-S", sock, "kill-server").Run()

	// the screen, without spaces at line ends and empty lines at the end
	screen := func() string {
		lines := strings.Split(tm("capture-pane", "-p", "-J", "-S", "-200"), "\n")
		for i, l := range lines {
			lines[i] = strings.TrimRight(l, " ")
		}
		return strings.TrimRight(strings.Join(lines, "\n"), "\n")
	}
	waitFor := func(what string, re *regexp.Regexp) string {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			s := screen()
			if strings.Contains(s, password) {
				t.Fatalf("the password is on the screen:\n%s", s)
			}
			if re.MatchString(s) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s; the screen:\n%s", what, s)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	typeLine := func(text string) {
		tm("send-keys", "-l", text)
		tm("send-keys", "Enter")
	}

	waitFor("the password prompt", regexp.MustCompile(`Password for ftptest@127\.0\.0\.1:$`))
	typeLine(password)
	s := waitFor("the banner and prompt", regexp.MustCompile(`(?m)^ftplua .*Ctrl-D leaves\.\n>$`))
	if !strings.HasPrefix(strings.TrimLeft(s, "\n"), "Password for ftptest@127.0.0.1:\nftplua ") {
		t.Errorf("the password was echoed:\n%s", s)
	}

	typeLine(`host:getcwd(), #host:listdir("pub")`)
	waitFor("getcwd", regexp.MustCompile(`> host:getcwd\(\), #host:listdir\("pub"\)\n/\s+1\n>$`))

	// Tab completes a method, and a remote path in a string
	tm("send-keys", "-l", "host:getc")
	tm("send-keys", "Tab")
	waitFor("the completed method", regexp.MustCompile(`> host:getcwd\($`))
	tm("send-keys", "-l", ")")
	tm("send-keys", "Enter")
	waitFor("getcwd again", regexp.MustCompile(`> host:getcwd\(\)\n/\n>$`))
	tm("send-keys", "-l", `host:listdir("pu`)
	tm("send-keys", "Tab")
	waitFor("the completed path", regexp.MustCompile(`> host:listdir\("pub/$`))
	tm("send-keys", "-l", `")`)
	tm("send-keys", "Enter")
	waitFor("the listing", regexp.MustCompile(`> host:listdir\("pub/"\)\nreadme\.txt\n>$`))

	// a line with a password goes to the history masked
	typeLine(`x = "ftp://bob:hunter2@example.com/"`)
	waitFor("the prompt", regexp.MustCompile(`example\.com/"\n>$`))

	// a progress bar on the terminal, once the transfer takes long enough
	typeLine(`cb = ftputil.progress(3000, "demo") k = ("x"):rep(1000)`)
	typeLine(`cb(k) t = os.clock() while os.clock() - t < 0.8 do end cb(k)`)
	waitFor("the progress bar", regexp.MustCompile(`\ndemo   66% \[#############\.\.\.\.\.\.\.\]  2\.0 KiB / 2\.9 KiB  [0-9.]+ KiB/s  0:0\d left`))
	typeLine(`cb(k)`)
	waitFor("the finished bar", regexp.MustCompile(`\ndemo  100% \[####################\]  2\.9 KiB  [0-9.]+ KiB/s  in 0:0\d\n>$`))

	// Ctrl-C cancels an operation that waits for a server that never answers
	typeLine(`slow = ftputil.connect{host = "` + slowHost + `", port = ` + slowPort + `, user = "u", password = "p", timeout = 30}`)
	waitFor("the prompt", regexp.MustCompile(`timeout = 30}\n>$`))
	typeLine(`slow:listdir("/waiting")`)
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	tm("send-keys", "C-c")
	waitFor("the interruption", regexp.MustCompile(`> slow:listdir\("/waiting"\)\n(\^C)?ftplua: interrupted\n>$`))
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Ctrl-C took %v", d)
	}
	typeLine(`#host:listdir("/")`)
	waitFor("the host after Ctrl-C", regexp.MustCompile(`> #host:listdir\("/"\)\n1\n>$`))

	// Ctrl-C in an unfinished chunk drops it
	typeLine(`for i = 1, 2 do`)
	waitFor("the continuation prompt", regexp.MustCompile(`> for i = 1, 2 do\n>>$`))
	tm("send-keys", "C-c")
	waitFor("the prompt", regexp.MustCompile(`>>( \^C)?\n>$`))
	typeLine(`40 + 2`)
	waitFor("the sum", regexp.MustCompile(`> 40 \+ 2\n42\n>$`))

	// Ctrl-D leaves
	tm("send-keys", "C-d")
	s = waitFor("the exit", regexp.MustCompile(`\nEXIT=0$`))
	t.Logf("the session:\n%s", s)

	hist, err := os.ReadFile(filepath.Join(home, ".ftplua_history"))
	if err != nil {
		t.Fatal(err)
	}
	want := `host:getcwd(), #host:listdir("pub")
host:getcwd()
host:listdir("pub/")
x = "ftp://bob:****@example.com/"
`
	if got := string(hist); !strings.HasPrefix(got, want) || strings.Contains(got, "hunter2") || strings.Contains(got, password) {
		t.Errorf("history file:\n%s\nwant it to start with:\n%s", got, want)
	}
	if fi, err := os.Stat(filepath.Join(home, ".ftplua_history")); err == nil && fi.Mode().Perm() != 0o600 {
		t.Errorf("history file mode %v, want 0600", fi.Mode().Perm())
	}
}

package main

import (
	"crypto/tls"
	"errors"
	"log"
	"os"

	ftpserver "github.com/fclairamb/ftpserverlib"
	"github.com/spf13/afero"
)

type drv struct{ root string }

func (d *drv) GetSettings() (*ftpserver.Settings, error) {
	return &ftpserver.Settings{ListenAddr: "127.0.0.1:20061", PassiveTransferPortRange: &ftpserver.PortRange{Start: 46800, End: 46899}}, nil
}
func (d *drv) ClientConnected(cc ftpserver.ClientContext) (string, error) { return "hi", nil }
func (d *drv) ClientDisconnected(cc ftpserver.ClientContext)              {}
func (d *drv) AuthUser(cc ftpserver.ClientContext, u, p string) (ftpserver.ClientDriver, error) {
	return afero.NewBasePathFs(afero.NewOsFs(), d.root), nil
}
func (d *drv) GetTLSConfig() (*tls.Config, error) { return nil, errors.New("no tls") }

func main() {
	s := ftpserver.NewFtpServer(&drv{root: os.Args[1]})
	log.Fatal(s.ListenAndServe())
}

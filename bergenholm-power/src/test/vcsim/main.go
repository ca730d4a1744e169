// Command vcsim runs govmomi's vCenter simulator for the vmware power driver's tests.
//
// It prints one line "VCSIM_URL <url>" when ready and stops on SIGTERM/SIGINT or when its
// standard input closes, so that it never outlives the test JVM that started it.
package main

import (
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"log"
	"net/url"
	"os"
	"os/signal"
	"syscall"

	"github.com/vmware/govmomi/simulator"
)

func main() {
	tlsMode := flag.String("tls", "default", "none, default (built-in self-signed certificate) or files")
	certFile := flag.String("cert", "", "PEM server certificate (with -tls files)")
	keyFile := flag.String("key", "", "PEM server key (with -tls files)")
	user := flag.String("user", "", "the only user name accepted (any when empty)")
	pass := flag.String("pass", "", "that user's password")
	flag.Parse()

	model := simulator.VPX()
	defer model.Remove()
	if err := model.Create(); err != nil {
		log.Fatal(err)
	}
	model.Service.Listen = &url.URL{Host: "127.0.0.1:0"}
	if *user != "" {
		model.Service.Listen.User = url.UserPassword(*user, *pass)
	}
	switch *tlsMode {
	case "none":
	case "default":
		model.Service.TLS = new(tls.Config)
	case "files":
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			log.Fatal(err)
		}
		model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	default:
		log.Fatalf("unknown -tls %q", *tlsMode)
	}
	server := model.Service.NewServer()
	defer server.Close()
	u := *server.URL
	u.User = nil
	fmt.Printf("VCSIM_URL %s\n", u.String())

	done := make(chan struct{}, 2)
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		done <- struct{}{}
	}()
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		<-sig
		done <- struct{}{}
	}()
	<-done
}

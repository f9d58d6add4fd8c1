package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/demo"
	"github.com/heartlink/heartlink/redisstore"
)

// runDemo plays a city of simulated volunteers against this very server,
// as real clients of its API and websockets, and prints where a person
// can watch and join in.
func runDemo(ctx context.Context, store *redisstore.Store, addr net.Addr, log *slog.Logger, stdout io.Writer) error {
	admin := heartlink.Principal{Role: heartlink.RoleCoordinator, ID: "crd_admin"}
	_, token, err := store.CreateCoordinator(ctx, admin, "Demo")
	if err != nil {
		return err
	}
	base := "http://127.0.0.1:" + strconv.Itoa(addr.(*net.TCPAddr).Port)
	return demo.Run(ctx, demo.Config{BaseURL: base, AdminToken: token, Logger: log}, func(t demo.Tokens) {
		fmt.Fprintf(stdout, "\nDemo city running. Open these pages and sign in with the token beside each\n"+
			"(on the board, the demo coordinator's token below; any coordinator's token works there):\n\n"+
			"    board    %s/board      %s\n    driver   %s/driver     %s\n    request  %s/request    %s\n\n",
			base, t.Coordinator, base, t.Driver, base, t.Requester)
	})
}

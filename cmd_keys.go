package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/aigclabel/aigclabel/server/store"
)

func init() {
	commands["keys"] = command{summary: "manage the server's API keys: keys add|list|revoke", run: cmdKeys}
	commands["registry"] = command{summary: "the labeling log: registry purge (expired rows only) | registry export (JSONL or CSV)", run: cmdRegistry}
}

// openStore parses the registry flags and opens the registry.
func openStore(fs *flag.FlagSet, args []string, stderr io.Writer) (*store.Store, []string, int) {
	storeOpts := storeFlags(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil, 0
		}
		return nil, nil, 2
	}
	dsn, so := storeOpts()
	st, err := store.Open(context.Background(), dsn, so)
	if err != nil {
		fmt.Fprintf(stderr, "aigclabel %s: %v\n", fs.Name(), err)
		return nil, nil, 1
	}
	return st, pos, -1
}

func cmdKeys(args []string, stdout, stderr io.Writer) int {
	usage := func() int {
		fmt.Fprintln(stderr, "usage: aigclabel keys add --role producer|platform|admin [--producer CODE] [--name TEXT] [--db DSN]\n       aigclabel keys list [--json] [--db DSN]\n       aigclabel keys revoke ID [--db DSN]")
		return 2
	}
	if len(args) == 0 {
		return usage()
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("keys "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	ctx := context.Background()
	switch sub {
	case "add":
		role := fs.String("role", "", "producer (may label with its own code), platform (may propagate) or admin (everything, keys, export)")
		producer := fs.String("producer", "", "the ContentProducer `code` a producer key labels as (or the ContentPropagator code of a platform key)")
		name := fs.String("name", "", "a note saying whose key this is")
		st, _, code := openStore(fs, args, stderr)
		if code >= 0 {
			return code
		}
		defer st.Close()
		k, secret, err := st.AddKey(ctx, *role, *producer, *name)
		if err != nil {
			fmt.Fprintf(stderr, "aigclabel keys add: %v\n", err)
			return 2
		}
		fmt.Fprintf(stderr, "key %s (%s) created; the secret below is shown once:\n", k.ID, k.Role)
		fmt.Fprintln(stdout, secret)
		return 0
	case "list":
		asJSON := fs.Bool("json", false, "print JSON")
		st, _, code := openStore(fs, args, stderr)
		if code >= 0 {
			return code
		}
		defer st.Close()
		ks, err := st.Keys(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "aigclabel keys list: %v\n", err)
			return 1
		}
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			enc.Encode(ks)
			return 0
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tROLE\tPRODUCER\tNAME\tCREATED\tREVOKED")
		for _, k := range ks {
			rev := ""
			if !k.Revoked.IsZero() {
				rev = k.Revoked.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Role, k.Producer, k.Name, k.Created.Format(time.RFC3339), rev)
		}
		tw.Flush()
		return 0
	case "revoke":
		st, pos, code := openStore(fs, args, stderr)
		if code >= 0 {
			return code
		}
		defer st.Close()
		if len(pos) != 1 {
			return usage()
		}
		if err := st.RevokeKey(ctx, pos[0]); err != nil {
			fmt.Fprintf(stderr, "aigclabel keys revoke: %s: %v\n", pos[0], err)
			return 1
		}
		fmt.Fprintf(stderr, "key %s revoked (servers stop accepting it within 10 s)\n", pos[0])
		return 0
	}
	return usage()
}

func cmdRegistry(args []string, stdout, stderr io.Writer) int {
	usage := func() int {
		fmt.Fprintln(stderr, "usage: aigclabel registry purge [--retention 365d] [--job-retention 7d] [--db DSN]\n       aigclabel registry export [--format jsonl|csv] [--since RFC3339] [--until RFC3339] [-o FILE] [--db DSN]")
		return 2
	}
	if len(args) == 0 {
		return usage()
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("registry "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	ctx := context.Background()
	switch sub {
	case "purge":
		st, _, code := openStore(fs, args, stderr)
		if code >= 0 {
			return code
		}
		defer st.Close()
		res, err := st.Purge(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "aigclabel registry purge: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "purged %d events older than %s and %d batch jobs\n", res.Events, daysValue{ptr(st.Retention())}, res.Jobs)
		return 0
	case "export":
		format := fs.String("format", store.JSONL, "jsonl or csv")
		since := fs.String("since", "", "first event time (RFC 3339)")
		until := fs.String("until", "", "end time, exclusive (RFC 3339)")
		out := fs.String("o", "", "output `file` (default: standard output)")
		st, _, code := openStore(fs, args, stderr)
		if code >= 0 {
			return code
		}
		defer st.Close()
		var lo, hi time.Time
		for _, p := range []struct {
			s string
			t *time.Time
		}{{*since, &lo}, {*until, &hi}} {
			if p.s == "" {
				continue
			}
			t, err := time.Parse(time.RFC3339, p.s)
			if err != nil {
				fmt.Fprintf(stderr, "aigclabel registry export: %v\n", err)
				return 2
			}
			*p.t = t
		}
		w := stdout
		if *out != "" {
			f, err := os.Create(*out)
			if err != nil {
				fmt.Fprintf(stderr, "aigclabel registry export: %v\n", err)
				return 1
			}
			defer f.Close()
			w = f
		}
		n, err := st.Export(ctx, w, *format, lo, hi)
		if err != nil {
			fmt.Fprintf(stderr, "aigclabel registry export: %v\n", err)
			return 1
		}
		fmt.Fprintf(stderr, "%d events exported\n", n)
		return 0
	}
	return usage()
}

func ptr[T any](v T) *T { return &v }

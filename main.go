// Command aigclabel labels AI-generated content as China's GB 45438-2025
// requires, detects and verifies labels, and serves all of it over HTTP.
//
//	aigclabel label IN -o OUT --producer CODE   write the labels
//	aigclabel detect IN [--json]                read and classify labels
//	aigclabel serve [--addr :8080]              the HTTP API and web page
//
// Run `aigclabel help` for every command and flag. Exit codes: 0 ok, 1 some
// inputs failed, 2 usage error.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one subcommand: flags parsed from args, output to the writers,
// returning the exit code.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "aigclabel: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	return cmd.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: aigclabel COMMAND [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'aigclabel COMMAND -h' for a command's flags.")
}

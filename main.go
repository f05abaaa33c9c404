// Command aigclabel labels AI-generated content as China's GB 45438-2025
// requires, detects and verifies labels, and serves all of it over HTTP.
//
//	aigclabel label IN -o OUT --producer CODE   write the labels
//	aigclabel detect IN [--json]                read and classify labels
//	aigclabel serve [--addr :8080]              the HTTP API and web page
package main

import (
	"fmt"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fmt.Fprintln(os.Stderr, "aigclabel: under construction")
	return 2
}

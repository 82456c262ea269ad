// Command nomad-jobspec decodes JSON jobspecs into Nomad's own API types (the `api` package at the version
// Nomad 1.8.4 ships) and rejects every field those types do not have. Nomad itself decodes with Go's default
// decoder, which drops unknown fields silently: a misspelt key is accepted by `nomad job validate` and then
// ignored at run time.
//
//	nomad-jobspec FILE...
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/hashicorp/nomad/api"
)

func main() {
	failed := false
	for _, path := range os.Args[1:] {
		if err := check(path); err != nil {
			fmt.Printf("%s: %v\n", path, err)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
}

func check(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	decoder := json.NewDecoder(bytes.NewReader(data))
	decoder.DisallowUnknownFields()
	var file struct {
		Job *api.Job `json:"Job"`
	}
	if err := decoder.Decode(&file); err != nil {
		return err
	}
	if file.Job == nil {
		return fmt.Errorf("no top-level Job")
	}
	return nil
}

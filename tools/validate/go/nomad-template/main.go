// Command nomad-template renders a Nomad task template with Go's text/template, the engine Nomad's
// consul-template runs, and the functions our jobspecs use: `env` (the task's environment and node
// attributes) and `nomadVar` (the job's Nomad Variable). Values come from a JSON file: representative
// values in validation, never secrets.
//
//	nomad-template VALUES.json TEMPLATE OUTPUT
//
// VALUES.json: {"env": {"NAME": "value"}, "variables": {"nomad/jobs/x": {"KEY": "value"}}}
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"text/template"
)

type values struct {
	Env       map[string]string            `json:"env"`
	Variables map[string]map[string]string `json:"variables"`
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: nomad-template VALUES.json TEMPLATE OUTPUT")
		os.Exit(2)
	}
	if err := render(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", os.Args[2], err)
		os.Exit(1)
	}
}

func render(valuesPath, templatePath, outputPath string) error {
	var v values
	data, err := os.ReadFile(valuesPath)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	text, err := os.ReadFile(templatePath)
	if err != nil {
		return err
	}
	funcs := template.FuncMap{
		"env": func(name string) (string, error) {
			value, ok := v.Env[name]
			if !ok {
				return "", fmt.Errorf("env %q is not set in the task", name)
			}
			return value, nil
		},
		"nomadVar": func(path string) (map[string]string, error) {
			items, ok := v.Variables[path]
			if !ok {
				return nil, fmt.Errorf("no Nomad Variable at %q", path)
			}
			return items, nil
		},
	}
	// missingkey=error: a key the variable does not hold is an error here, where Nomad would render "<no value>".
	tmpl, err := template.New(templatePath).Funcs(funcs).Option("missingkey=error").Parse(string(text))
	if err != nil {
		return err
	}
	out, err := os.Create(outputPath)
	if err != nil {
		return err
	}
	defer out.Close()
	return tmpl.Execute(out, nil)
}

// pprofcheck: reads pprof profiles with google/pprof's own parser, checks
// them as continuous profilers do (profile.CheckValid; every location has a
// mapping; mappings of files have a build ID) and prints what a test
// asserts on:
//   types alloc_objects/count,...  period space/bytes N  default TYPE
//   duration NANOS
//   sample V0,V1,... age=N[seconds] bytes=N kind=S | leaf;...;root  (numeric labels, with
//   their unit if they have one, then string labels)
// Exits 1 with the reason on the first profile that fails.
package main

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/google/pprof/profile"
)

func check(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		return err
	}
	if err := p.CheckValid(); err != nil {
		return err
	}
	var types []string
	for _, st := range p.SampleType {
		types = append(types, st.Type+"/"+st.Unit)
	}
	fmt.Printf("types %s\n", strings.Join(types, ","))
	if p.PeriodType != nil {
		fmt.Printf("period %s/%s %d\n", p.PeriodType.Type, p.PeriodType.Unit, p.Period)
	}
	fmt.Printf("default %s\nduration %d\n", p.DefaultSampleType, p.DurationNanos)
	for _, l := range p.Location {
		if l.Mapping == nil {
			return fmt.Errorf("location %d has no mapping", l.ID)
		}
	}
	for _, m := range p.Mapping {
		if m.File != "" && m.BuildID == "" {
			return fmt.Errorf("mapping %s has no build ID", m.File)
		}
	}
	for _, s := range p.Sample {
		var vals, fns, labels []string
		for _, v := range s.Value {
			vals = append(vals, fmt.Sprint(v))
		}
		for k, v := range s.NumLabel {
			unit := ""
			if u := s.NumUnit[k]; len(u) > 0 && u[0] != "" {
				unit = "[" + u[0] + "]"
			}
			labels = append(labels, fmt.Sprintf("%s=%d%s", k, v[0], unit))
		}
		sort.Strings(labels)
		var strs []string
		for k, v := range s.Label {
			strs = append(strs, fmt.Sprintf("%s=%s", k, v[0]))
		}
		sort.Strings(strs)
		labels = append(labels, strs...)
		for _, l := range s.Location {
			for _, ln := range l.Line {
				fns = append(fns, ln.Function.Name)
			}
		}
		fmt.Printf("sample %s %s | %s\n", strings.Join(vals, ","), strings.Join(labels, " "),
			strings.Join(fns, ";"))
	}
	return nil
}

func main() {
	for _, path := range os.Args[1:] {
		if err := check(path); err != nil {
			fmt.Fprintf(os.Stderr, "pprofcheck: %s: %v\n", path, err)
			os.Exit(1)
		}
	}
}

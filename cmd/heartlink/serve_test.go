package main

import (
	"slices"
	"testing"
)

func TestClusterOptions(t *testing.T) {
	tests := []struct {
		name     string
		seeds    []string
		addrs    []string
		password string
		wantErr  bool
	}{
		{name: "seeds", seeds: []string{"10.0.0.1:7000", "10.0.0.2:7000"}, addrs: []string{"10.0.0.1:7000", "10.0.0.2:7000"}},
		{name: "a URL", seeds: []string{"redis://u:secret@10.0.0.1:7000?addr=10.0.0.2:7000&addr=10.0.0.3:7000"},
			addrs: []string{"10.0.0.1:7000", "10.0.0.2:7000", "10.0.0.3:7000"}, password: "secret"},
		{name: "no port", seeds: []string{"10.0.0.1"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt, err := clusterOptions(tt.seeds)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("clusterOptions(%q) = %v; want an error", tt.seeds, opt.Addrs)
				}
				return
			}
			if err != nil {
				t.Fatalf("clusterOptions(%q): %v", tt.seeds, err)
			}
			if !slices.Equal(opt.Addrs, tt.addrs) || opt.Password != tt.password {
				t.Errorf("clusterOptions(%q) = %q, password %q; want %q, %q", tt.seeds, opt.Addrs, opt.Password, tt.addrs, tt.password)
			}
		})
	}
}

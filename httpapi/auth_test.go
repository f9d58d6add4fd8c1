package httpapi

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientAddr(t *testing.T) {
	s := NewServer(Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")}})
	tests := []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"no proxy", "198.51.100.7:5000", nil, "198.51.100.7"},
		{"an untrusted peer's header is not believed", "198.51.100.7:5000", []string{"203.0.113.1"}, "198.51.100.7"},
		{"a trusted proxy names the client", "10.0.0.2:5000", []string{"203.0.113.1"}, "203.0.113.1"},
		{"what the client wrote before is not believed", "10.0.0.2:5000", []string{"192.0.2.66, 203.0.113.1"}, "203.0.113.1"},
		{"a chain of trusted proxies", "10.0.0.2:5000", []string{"203.0.113.1, 10.1.1.1", "10.2.2.2"}, "203.0.113.1"},
		{"a trusted proxy without the header", "10.0.0.2:5000", nil, "10.0.0.2"},
		{"only proxies", "10.0.0.2:5000", []string{"10.9.9.9"}, "10.9.9.9"},
		{"garbage stops at the last proxy", "10.0.0.2:5000", []string{"203.0.113.1, not-an-address"}, "10.0.0.2"},
		{"IPv6", "[2001:db8::1]:5000", []string{"2001:db8:ffff::1, 2001:4860::8888"}, "2001:4860::8888"},
		{"IPv4 mapped in IPv6", "10.0.0.2:5000", []string{"::ffff:203.0.113.1"}, "203.0.113.1"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tt.peer
		for _, v := range tt.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := s.clientAddr(r); got != tt.want {
			t.Errorf("%s: clientAddr(%s, X-Forwarded-For %q) = %q; want %q", tt.name, tt.peer, tt.xff, got, tt.want)
		}
	}
}

package dashboard_test

import (
	"fmt"

	"winnow/sink/dashboard"
)

// Loopback decides whether the page may run without a token.
func ExampleLoopback() {
	for _, addr := range []string{"127.0.0.1:8080", "localhost:8080", "[::1]:8080", ":8080", "0.0.0.0:8080", "10.0.0.5:8080"} {
		fmt.Println(addr, dashboard.Loopback(addr))
	}
	// Output:
	// 127.0.0.1:8080 true
	// localhost:8080 true
	// [::1]:8080 true
	// :8080 false
	// 0.0.0.0:8080 false
	// 10.0.0.5:8080 false
}

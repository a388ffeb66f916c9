module github.com/lockergate/lockergate

go 1.26.0

require (
	github.com/eclipse/paho.mqtt.golang v1.5.1
	github.com/go-resty/resty/v2 v2.17.2
	github.com/gorilla/mux v1.8.1
	github.com/simonvetter/modbus v1.6.4
	go.bug.st/serial v1.8.0
	golang.org/x/text v0.44.0
)

require (
	github.com/goburrow/serial v0.1.0 // indirect
	github.com/gorilla/websocket v1.5.3 // indirect
	golang.org/x/net v0.44.0 // indirect
	golang.org/x/sync v0.25.0 // indirect
	golang.org/x/sys v0.43.0 // indirect
)

// Package mqtt is the lockers driver for banks behind an MQTT edge
// controller. The topics and JSON payloads under a bank's prefix
// (command, response, event, state/compartments, state/heartbeat,
// state/connection) are specified in README.md for controller authors and
// implemented here as types and decoders (CommandMessage, DecodeCommand,
// ...), by the Driver (the gateway side) and by mqtttest.Controller (an
// emulator of the controller side).
//
// The driver registers the schemes mqtt and mqtts with the lockers
// registry:
//
//	d, err := lockers.Open(ctx, "mqtt://broker:1883/main-lobby/bank1?password_env=MQTT_PASSWORD")
//
// An open is confirmed by a snapshot or event carrying the command's
// message id, never by the response alone; the controller
// de-duplicates commands by message id (QoS 1 redelivery) and by
// transaction id, and refuses commands past their expiry. A silent
// controller (no heartbeat) or its last will puts every compartment out of
// service with ErrOffline.
package mqtt

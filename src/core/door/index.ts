// The door: relay drivers for USB-serial boards and the controller that always relocks.
export { DoorController, type DoorControllerOptions, type DoorListener } from './controller';
export { createRelayDriver } from './create-driver';
export { SerialRelayDriver, energised, type RelayDriver } from './driver';
export { HexDriver, parseHexBytes } from './drivers/hex';
export { KmtronicDriver } from './drivers/kmtronic';
export { LcusDriver } from './drivers/lcus';
export { ModbusDriver, readCoilFrame, writeCoilFrame } from './drivers/modbus';
export { NumatoDriver, numatoRelayIndex } from './drivers/numato';
export { crc16Modbus, withCrc, hasValidCrc } from './crc16';
export { parsePortSpec, type PortSpec } from './port-spec';
export { RelayError, relayFailureReasons, type RelayFailureReason } from './relay-error';
export { SerialLink, type SerialLinkOptions } from './serial-link';
export { listSerialPorts, resolvePortPath } from './serial-ports';
export { installShutdownRelock, type ShutdownRelockOptions } from './shutdown';

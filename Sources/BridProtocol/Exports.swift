// WireTime, the protocol's times, lives in BridInfo so that BridCore reads ISO-8601 with it too.
@_exported import BridInfo

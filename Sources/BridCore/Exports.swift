@_exported import BridInfo

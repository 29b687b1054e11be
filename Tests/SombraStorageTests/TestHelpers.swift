// Helpers shared by the storage tests: small databases on the in-memory file system, page payload writes.
import SombraFormat
import SombraIO
import SombraStorage

func memoryOptions(pageSize: Int = 4096, cacheBytes: Int = 1 << 20, sync: SyncMode = .full) -> PagerOptions {
    var o = PagerOptions()
    o.pageSize = pageSize
    o.cacheBytesMax = cacheBytes
    o.syncMode = sync
    return o
}

/// Writes `value` as the 8 bytes at offset 16 of a leaf-kind page (a stand-in payload).
func setPayload(_ tx: PageWriteTransaction, _ page: PageID, _ value: UInt64) throws(SombraError) {
    try tx.update(page) { (b: inout [UInt8]) throws(SombraError) in b.storeLE(value, at: 16) }
}

func payload(_ r: any PageReader, _ page: PageID) throws(SombraError) -> UInt64 {
    try r.page(page).loadLE(UInt64.self, at: 16)
}

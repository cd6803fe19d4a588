-- Blob chunks are mostly images, PDFs and archives that are compressed already: store them out of
-- line without trying to compress them again (docs/blobs.md), which also lets a read slice a chunk
-- without decompressing it.
ALTER TABLE "blob_chunks" ALTER COLUMN "data" SET STORAGE EXTERNAL;

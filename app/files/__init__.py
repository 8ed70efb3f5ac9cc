"""Files: attachments (uploads, the content store, downloads) and the CSV/xlsx exports of lists and reports."""

"""Recording room: the Recorder sink and the fMP4 segment writer; writes only, never deletes."""

"""Ingest: pull each camera stream once (Source), fan it out (StreamHub), supervise cameras."""

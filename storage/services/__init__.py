"""The rules of the directory. Discord-free: plain values in, models or typed errors out."""

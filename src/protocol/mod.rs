//! The chunked custom search command protocol (SCP v2), sans-IO.

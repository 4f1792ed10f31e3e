/* web client boot (stand-in) */

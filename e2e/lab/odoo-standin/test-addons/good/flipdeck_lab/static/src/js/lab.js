/* flipdeck_lab frontend code */

Flar.main()
